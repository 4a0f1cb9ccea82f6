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


class _Switch:
    """A processor whose inner processor init() replaces: OpenTelemetry lets a process set its global tracer and
    logger providers once, so a second init() (tests, a reconfiguration) swaps the exporter behind this instead."""

    def __init__(self) -> None:
        self.inner: Any = None

    def replace(self, processor: Any) -> None:
        old, self.inner = self.inner, processor
        if old is not None:
            old.shutdown()

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        if self.inner is not None:
            self.inner.on_start(span, parent_context=parent_context)

    def _on_ending(self, span: Any) -> None:
        """Called by the SDK before a span ends (newer SDKs); nothing to do."""

    def on_end(self, span: Any) -> None:
        if self.inner is not None:
            self.inner.on_end(span)

    def on_emit(self, record: Any) -> None:
        if self.inner is not None:
            self.inner.on_emit(record)

    def shutdown(self) -> None:
        self.replace(None)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis) if self.inner is not None else True


_spans = _Switch()
_records = _Switch()
_providers: dict[str, Any] = {}


def setup_tracing(dsn: Dsn, options: Options, captured: CapturedExceptions) -> _Switch:
    """Spans exported to the DSN. The first call sets the global tracer provider (with this init's resource and
    sampling rate), or adds the SDK's processor to a provider the app set up itself."""
    if "traces" not in _providers:
        current = trace.get_tracer_provider()
        if isinstance(current, TracerProvider):
            current.add_span_processor(_spans)  # type: ignore[arg-type]
        else:
            provider = TracerProvider(
                resource=sdk_resource(options),
                sampler=ParentBased(TraceIdRatioBased(options.traces_sample_rate)),
            )
            provider.add_span_processor(_spans)  # type: ignore[arg-type]
            trace.set_tracer_provider(provider)
            current = provider
        _providers["traces"] = current
    exporter = OTLPSpanExporter(endpoint=dsn.traces_url, headers={KEY_HEADER: dsn.key})
    _spans.replace(BatchSpanProcessor(LinkingExporter(exporter, captured)))
    return _spans


def setup_logs(dsn: Dsn, options: Options) -> tuple[_Switch, logging.Handler]:
    """Log records of the `logging` module as OTLP log records, with the active trace and span."""
    from opentelemetry._logs import set_logger_provider
    from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor

    if "logs" not in _providers:
        provider = LoggerProvider(resource=sdk_resource(options))
        provider.add_log_record_processor(_records)  # type: ignore[arg-type]
        set_logger_provider(provider)
        _providers["logs"] = provider
    exporter = OTLPLogExporter(endpoint=dsn.logs_url, headers={KEY_HEADER: dsn.key})
    _records.replace(BatchLogRecordProcessor(exporter))
    handler = LoggingHandler(level=logging.NOTSET, logger_provider=_providers["logs"])
    logging.getLogger().addHandler(handler)
    return _records, handler


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
