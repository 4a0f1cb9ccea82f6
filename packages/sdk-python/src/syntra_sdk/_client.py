"""The client: turns exceptions and messages into events with the current scope and hands them to the transport."""

from __future__ import annotations

import contextlib
import random
import sys
from collections.abc import Callable
from typing import Any

from ._event import build_event, now_iso
from ._normalize import normalize, truncate
from ._options import Options
from ._scope import current_scope
from ._transport import Transport

LEVELS = ("fatal", "error", "warning", "info", "debug")
_BREADCRUMB_LEVELS = {"fatal": "error", "error": "error", "warning": "warning", "info": "info", "debug": "debug"}
_BREADCRUMB_TYPES = ("http", "navigation", "ui", "console", "error", "query")


class Client:
    """The SDK after init(). Nothing here raises into the app: a failure is logged (debug) and the event dropped."""

    def __init__(
        self,
        options: Options,
        transport: Transport | None,
        active_span: Callable[[], tuple[str, str] | None] = lambda: None,
        on_captured: Callable[[BaseException, str], None] | None = None,
    ) -> None:
        self.options = options
        self.transport = transport
        self._active_span = active_span
        self._on_captured = on_captured
        self._teardowns: list[Callable[[], None]] = []
        self._flushers: list[Callable[[float], Any]] = []
        self.last_event_id: str | None = None
        # The exceptions captured, for linking span exception events (set by init when tracing is on).
        self.captured_exceptions: Any = None

    @property
    def enabled(self) -> bool:
        """Whether events are sent (a valid DSN)."""
        return self.transport is not None

    def log(self, message: str) -> None:
        """Writes an SDK line to stderr when debug is on."""
        if self.options.debug:
            print(f"[syntra] {message}", file=sys.stderr)

    def on_close(self, teardown: Callable[[], None]) -> None:
        """Registers what close() undoes (an integration's hooks)."""
        self._teardowns.append(teardown)

    def on_flush(self, flush: Callable[[float], Any]) -> None:
        """Registers what flush() also flushes (spans, log records)."""
        self._flushers.append(flush)

    def capture_exception(self, exc: BaseException | None = None, **hint: Any) -> str | None:
        """Reports an exception (the one being handled when none is given); returns the event id."""
        if exc is None:
            exc = sys.exc_info()[1]
            if exc is None:
                return None
        # Frameworks report an error through their hook and then log it with exc_info: one event, not two.
        if getattr(exc, "__syntra_event_id__", None):
            return None
        event_id = self._capture(exc, "", hint.pop("level", "error"), hint)
        if event_id:
            # An exception type with __slots__ cannot be marked: it may be reported twice.
            with contextlib.suppress(AttributeError, TypeError):
                exc.__syntra_event_id__ = event_id  # type: ignore[attr-defined]
        return event_id

    def capture_message(self, message: str, level: str = "info", **hint: Any) -> str | None:
        """Reports a message as an event of its own."""
        return self._capture(None, truncate(str(message)), level, hint)

    def add_breadcrumb(
        self,
        category: str,
        message: str | None = None,
        *,
        type: str = "console",
        level: str = "info",
        data: dict[str, Any] | None = None,
    ) -> None:
        """Adds a breadcrumb to the current scope."""
        try:
            crumb: dict[str, Any] | None = {
                "timestamp": now_iso(),
                "type": type if type in _BREADCRUMB_TYPES else "console",
                "category": str(category),
                "level": _BREADCRUMB_LEVELS.get(level, "info"),
            }
            assert crumb is not None
            if message is not None:
                crumb["message"] = truncate(str(message))
            if data:
                crumb["data"] = normalize(data)
            if self.options.before_breadcrumb:
                crumb = self.options.before_breadcrumb(crumb)
            if crumb:
                current_scope().add_breadcrumb(crumb)
        except Exception as err:
            self.log(f"add_breadcrumb failed: {err}")

    def flush(self, timeout: float | None = None) -> bool:
        """Waits until queued events (and spans, log records) are sent, at most `timeout` seconds."""
        timeout = self.options.shutdown_timeout if timeout is None else timeout
        for flush in self._flushers:
            try:
                flush(timeout)
            except Exception as err:
                self.log(f"flush failed: {err}")
        return self.transport.flush(timeout) if self.transport else True

    def close(self, timeout: float | None = None) -> bool:
        """Flushes, undoes the integrations and stops sending."""
        done = self.flush(timeout)
        for teardown in reversed(self._teardowns):
            try:
                teardown()
            except Exception as err:
                self.log(f"teardown failed: {err}")
        self._teardowns.clear()
        self._flushers.clear()
        if self.transport:
            self.transport.close(0)
        return done

    def _capture(self, exc: BaseException | None, message: str, level: str, hint: dict[str, Any]) -> str | None:
        try:
            if not self.transport:
                return None
            if random.random() >= self.options.sample_rate:
                self.transport.record_drop("sample_rate")
                return None
            event = build_event(
                exc=exc,
                message=message,
                level=level if level in LEVELS else "error",
                handled=hint.pop("handled", True),
                scope=current_scope(),
                hint=hint,
                environment=self.options.environment,
                release=self.options.release,
                deployment_id=self.options.deployment_id,
                trace=self._active_span(),
                in_app=(tuple(self.options.in_app_include), tuple(self.options.in_app_exclude)),
            )
            self.last_event_id = event["id"]
            if exc is not None and self._on_captured:
                self._on_captured(exc, event["id"])
            self.add_breadcrumb(
                "exception",
                message if exc is None else f"{event['type']}: {event['message']}",
                type="error",
                level=level,
                data={"event_id": event["id"]},
            )
            return self._send(event, exc)
        except Exception as err:
            self.log(f"capture failed: {err}")
            return None

    def _send(self, event: dict[str, Any], exc: BaseException | None) -> str | None:
        assert self.transport is not None
        final: dict[str, Any] | None = event
        if self.options.before_send:
            try:
                final = self.options.before_send(event, {"exc_info": exc})
            except Exception as err:
                self.log(f"before_send raised, the event is dropped: {err}")
                final = None
        if final is None:
            self.transport.record_drop("before_send")
            return None
        self.transport.enqueue(final)
        return str(final["id"])
