"""Spans and log records the SDK sends over OTLP arrive in the control plane's telemetry store (its direct OTLP/HTTP
receiver), with the trace of the errors captured inside them."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import pytest

import syntra_sdk
from fixtures import parse_amount


def eventually(check: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    """Polls check until it returns something truthy: the control plane answers OTLP once the data is queued for
    the store, which writes it a moment later (there is no event to wait on)."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if value := check():
                return value
        except Exception as err:  # a 404 before the trace is stored
            last = err
        time.sleep(0.05)
    pytest.fail(f"{what} did not happen within {timeout} s (last error: {last})")


def test_spans_log_records_and_errors_share_their_trace_in_the_store(service):
    syntra_sdk.init(dsn=service.dsn, service_name="price-importer", logs=True)
    log = logging.getLogger("prices")
    event_id = None
    try:
        with syntra_sdk.start_span("import prices", {"prices.file": "eu.csv"}) as span:
            trace_id = f"{span.get_span_context().trace_id:032x}"
            log.warning("importing %d prices", 3)
            try:
                parse_amount("twelve")
            except ValueError:
                # Captured inside the span, which then records the same exception as it leaves.
                event_id = syntra_sdk.capture_exception()
                raise
    except ValueError:
        pass
    assert event_id
    assert syntra_sdk.flush(30)

    trace = eventually(lambda: service.api(f"/api/v1/traces/{trace_id}")["data"], "the span stored")
    [stored] = [s for s in trace["spans"] if s["operation_name"] == "import prices"]
    assert stored["status_code"] == "error"
    assert stored["attributes"]["prices.file"] == "eu.csv"
    # The exception OTel recorded on the span is linked to the SDK's event instead of becoming a second one.
    [exception] = [e for e in stored["events"] if e["name"] == "exception"]
    assert exception["attributes"]["syntra.event_id"] == event_id

    logs = eventually(
        lambda: [
            r
            for r in service.api(f"/api/v1/services/{service.service_id}/logs?search=importing")["data"]
            if r.get("trace_id") == trace_id
        ],
        "the log record stored with the span's trace",
    )
    assert logs[0]["message"] == "importing 3 prices"

    issue = service.issue(exception_type="ValueError")
    assert issue["event_count"] == 1
    [event] = service.events(issue["id"])
    assert event["id"] == event_id
    assert event["trace_id"] == trace_id
