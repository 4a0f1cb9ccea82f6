"""Uncaught exceptions in the main thread and in threads, tracing links, before_send and sampling; run against a
real control plane."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import syntra_sdk
from fixtures import parse_amount

SRC = Path(__file__).resolve().parents[1] / "src"

CRASHING_APP = """
import sys, syntra_sdk
syntra_sdk.init(dsn=sys.argv[1], release="worker@3.1.0", tracing=False, logs=False)
syntra_sdk.set_tag("job", "nightly")
import logging
logging.getLogger("job").warning("starting nightly import")
def load_config(name):
    return {}[name]
load_config("missing-config")
"""


def test_an_uncaught_exception_is_reported_as_fatal_then_python_prints_it(service, tmp_path):
    app = tmp_path / "job.py"
    app.write_text(CRASHING_APP)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    command = [sys.executable, str(app), service.dsn]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "KeyError: 'missing-config'" in result.stderr, "Python's own excepthook still runs"
    issue = service.issue(exception_type="KeyError")
    assert issue["severity"] == "critical"
    [event] = service.events(issue["id"])
    assert event["handled"] is False
    assert event["context"]["tags"]["mechanism"] == "excepthook"
    assert event["context"]["tags"]["job"] == "nightly"
    assert event["release"] == "worker@3.1.0"
    assert event["stack_trace"][-1]["function"] == "load_config"
    assert event["stack_trace"][-1]["context_line"].strip() == "return {}[name]"
    assert any(b.get("message") == "starting nightly import" for b in event["breadcrumbs"])


def test_the_installed_excepthook_reports_and_hands_on(service, capsys):
    syntra_sdk.init(dsn=service.dsn, tracing=False, logs=True)
    try:
        parse_amount("oops")
    except ValueError:
        sys.excepthook(*sys.exc_info())
    assert "ValueError: invalid literal" in capsys.readouterr().err, "the previous excepthook printed it"
    [event] = service.events(service.issue(exception_type="ValueError")["id"])
    assert event["level"] == "fatal"


def test_an_exception_in_a_thread_is_reported(service):
    syntra_sdk.init(dsn=service.dsn, tracing=False, logs=False)
    worker = threading.Thread(target=parse_amount, args=("not a number",), name="importer")
    worker.start()
    worker.join()
    assert syntra_sdk.flush(30)
    [event] = service.events(service.issue(exception_type="ValueError")["id"])
    assert event["context"]["tags"]["mechanism"] == "threading"
    assert event["context"]["tags"]["thread"] == "importer"


def test_before_send_scrubs_and_drops_and_sample_rate_zero_sends_nothing(service):
    def scrub(event, hint):
        if "drop me" in event["message"]:
            return None
        event["context"].pop("user", None)
        event["context"]["extra"].pop("card_number", None)
        return event

    syntra_sdk.init(dsn=service.dsn, before_send=scrub, tracing=False, logs=False)
    syntra_sdk.set_user({"id": "u-1", "email": "pii@example.com"})
    syntra_sdk.set_extra("card_number", "4111 1111 1111 1111")
    syntra_sdk.capture_message("checkout failed")
    syntra_sdk.capture_message("drop me please")
    assert syntra_sdk.flush(30)
    assert syntra_sdk.get_stats()["dropped"]["before_send"] == 1
    [issue] = service.issues()
    [event] = service.events(issue["id"])
    assert "user" not in event["context"]
    assert "card_number" not in event["context"]["extra"]

    syntra_sdk.init(dsn=service.dsn, sample_rate=0, tracing=False, logs=False)
    assert syntra_sdk.capture_message("sampled out") is None
    assert syntra_sdk.flush(30)
    assert syntra_sdk.get_stats()["dropped"]["sample_rate"] == 1
    assert len(service.issues()) == 1


def test_errors_carry_the_active_span_and_its_exception_event_is_linked(service):
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from syntra_sdk._tracing import EVENT_ID_ATTRIBUTE, LinkingExporter

    client = syntra_sdk.init(dsn=service.dsn, logs=False, traces_sample_rate=1.0)
    from opentelemetry import trace

    provider = trace.get_tracer_provider()
    memory = InMemorySpanExporter()
    # The spans as the SDK's exporter sees them, kept in memory besides being sent.
    provider.add_span_processor(SimpleSpanProcessor(LinkingExporter(memory, client.captured_exceptions)))
    event_id = None
    try:
        with syntra_sdk.start_span("import prices") as span:
            trace_id = f"{span.get_span_context().trace_id:032x}"
            parse_amount("12x")
    except ValueError as err:
        event_id = syntra_sdk.capture_exception(err)
    assert syntra_sdk.flush(30)
    [event] = service.events(service.issue(exception_type="ValueError")["id"])
    assert event["id"] == event_id
    # Captured outside the span: the span has ended, the error is not in it.
    assert "trace_id" not in event or event["trace_id"] != trace_id
    [finished] = [s for s in memory.get_finished_spans() if s.name == "import prices"]
    [exception] = [e for e in finished.events if e.name == "exception"]
    assert exception.attributes[EVENT_ID_ATTRIBUTE] == event_id, "the control plane will not make a second event"

    with syntra_sdk.start_span("charge") as span:
        syntra_sdk.capture_message("inside a span")
        inside = f"{span.get_span_context().trace_id:032x}"
    assert syntra_sdk.flush(30)
    [message] = service.events(service.issue(exception_type="message")["id"])
    assert message["trace_id"] == inside
