"""OpenTelemetry tracing and logs to the DSN's OTLP endpoints, and start_span."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

from ._dsn import Dsn
from ._event import SDK_INFO
from ._options import Options
from ._transport import KEY_HEADER

EVENT_ID_ATTRIBUTE = "syntra.event_id"


def exception_key(kind: str, message: str, stacktrace: str) -> tuple[str, str, str]:
    """What identifies one raised exception across a span's record of it and the SDK's event: its type, message and
    innermost frame (the `File "...", line N` line of the traceback text)."""
    frames = [line.strip() for line in stacktrace.splitlines() if line.strip().startswith('File "')]
    return kind, message, frames[-1] if frames else ""


class CapturedExceptions:
    """Exceptions the SDK captured (newest kept), so the exception events instrumentations record on spans can be
    linked to the error event instead of becoming a second one on the control plane."""

    def __init__(self, limit: int = 500) -> None:
        self._events: dict[tuple[str, str, str], str] = {}
        self._limit = limit

    def remember(self, exc: BaseException, event_id: str) -> None:
        """Keeps the key of a captured exception."""
        tb = exc.__traceback__
        innermost = ""
        while tb is not None:
            innermost = f'File "{tb.tb_frame.f_code.co_filename}", line {tb.tb_lineno}, in {tb.tb_frame.f_code.co_name}'
            tb = tb.tb_next
        self._events[(type(exc).__name__, str(exc), innermost)] = event_id
        while len(self._events) > self._limit:
            self._events.pop(next(iter(self._events)))

    def event_of(self, key: tuple[str, str, str]) -> str | None:
        """The event id of a captured exception with this key."""
        return self._events.get(key)


class LinkingExporter(SpanExporter):
    """Marks the exception events of captured exceptions with the event id, then exports."""

    def __init__(self, inner: SpanExporter, captured: CapturedExceptions) -> None:
        self.inner = inner
        self.captured = captured

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Exports the spans after linking their exception events."""
        for span in spans:
            for event in span.events:
                attrs = event.attributes or {}
                if event.name != "exception" or "exception.stacktrace" not in attrs:
                    continue
                key = exception_key(
                    str(attrs.get("exception.type", "")).rsplit(".", 1)[-1],
                    str(attrs.get("exception.message", "")),
                    str(attrs["exception.stacktrace"]),
                )
                if event_id := self.captured.event_of(key):
                    # BoundedAttributes are read-only to the API; the exporter owns the finished span.
                    attrs._dict[EVENT_ID_ATTRIBUTE] = event_id  # type: ignore[attr-defined]
        return self.inner.export(spans)

    def shutdown(self) -> None:
        """Shuts the inner exporter down."""
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Flushes the inner exporter."""
        return self.inner.force_flush(timeout_millis)


def sdk_resource(options: Options) -> Resource:
    """The resource of traces and logs: the environment's (OTEL_*), plus release, environment and the SDK."""
    attrs: dict[str, Any] = {
        "deployment.environment.name": options.environment,
        "telemetry.distro.name": "syntra-sdk",
        "telemetry.distro.version": SDK_INFO["version"],
    }
    if options.release:
        attrs["service.version"] = options.release
    if options.service_name:
        attrs["service.name"] = options.service_name
    if options.deployment_id:
        attrs["deployment.id"] = options.deployment_id
    return Resource.create(attrs)


def setup_tracing(dsn: Dsn, options: Options, captured: CapturedExceptions) -> TracerProvider:
    """A tracer provider exporting to the DSN, set as the global one (when the app has not set its own)."""
    provider = TracerProvider(
        resource=sdk_resource(options),
        sampler=ParentBased(TraceIdRatioBased(options.traces_sample_rate)),
    )
    exporter = OTLPSpanExporter(endpoint=dsn.traces_url, headers={KEY_HEADER: dsn.key})
    provider.add_span_processor(BatchSpanProcessor(LinkingExporter(exporter, captured)))
    trace.set_tracer_provider(provider)
    return provider


def setup_logs(dsn: Dsn, options: Options) -> tuple[Any, logging.Handler]:
    """Log records of the `logging` module as OTLP log records, with the active trace and span."""
    from opentelemetry._logs import set_logger_provider
    from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor

    provider = LoggerProvider(resource=sdk_resource(options))
    exporter = OTLPLogExporter(endpoint=dsn.logs_url, headers={KEY_HEADER: dsn.key})
    provider.add_log_record_processor(BatchLogRecordProcessor(exporter))
    set_logger_provider(provider)
    handler = LoggingHandler(level=logging.NOTSET, logger_provider=provider)
    logging.getLogger().addHandler(handler)
    return provider, handler


def active_span_ids() -> tuple[str, str] | None:
    """The trace and span ids of the span active now, if it is valid."""
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    return f"{ctx.trace_id:032x}", f"{ctx.span_id:016x}"


@contextmanager
def start_span(name: str, attributes: dict[str, Any] | None = None) -> Iterator[trace.Span]:
    """A span around the block, child of the active one; an exception marks it failed and is re-raised."""
    tracer = trace.get_tracer(SDK_INFO["name"], SDK_INFO["version"])
    with tracer.start_as_current_span(name, attributes=attributes) as span:
        yield span
