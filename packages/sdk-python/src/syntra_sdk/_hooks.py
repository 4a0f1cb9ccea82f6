"""Process-wide hooks: uncaught exceptions (sys.excepthook, threading.excepthook), the logging module, and sending
what is queued at exit."""

from __future__ import annotations

import atexit
import logging
import sys
import threading
from types import TracebackType

from ._client import Client

_LOGGING_LEVELS = {
    logging.CRITICAL: "fatal",
    logging.ERROR: "error",
    logging.WARNING: "warning",
    logging.INFO: "info",
    logging.DEBUG: "debug",
}


def _level(levelno: int) -> str:
    for threshold in sorted(_LOGGING_LEVELS, reverse=True):
        if levelno >= threshold:
            return _LOGGING_LEVELS[threshold]
    return "debug"


def install_excepthooks(client: Client) -> None:
    """Reports exceptions nobody caught, in the main thread (then flushes: the process is ending) and in threads."""
    previous = sys.excepthook
    previous_thread = threading.excepthook

    def excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if not isinstance(value, KeyboardInterrupt):
            client.capture_exception(value, handled=False, mechanism="excepthook", level="fatal")
            client.flush(client.options.shutdown_timeout)
        previous(kind, value, tb)

    def thread_excepthook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None and not isinstance(args.exc_value, SystemExit):
            client.capture_exception(
                args.exc_value,
                handled=False,
                mechanism="threading",
                tags={"thread": args.thread.name if args.thread else ""},
            )
        previous_thread(args)

    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook

    def undo() -> None:
        sys.excepthook = previous
        threading.excepthook = previous_thread

    client.on_close(undo)


class BreadcrumbHandler(logging.Handler):
    """Log records as breadcrumbs (INFO and up by default), and records of ERROR and up as events."""

    def __init__(self, client: Client, breadcrumb_level: int = logging.INFO, event_level: int = logging.ERROR) -> None:
        super().__init__(level=min(breadcrumb_level, event_level))
        self.client = client
        self.breadcrumb_level = breadcrumb_level
        self.event_level = event_level

    def emit(self, record: logging.LogRecord) -> None:
        """Records from the SDK itself and the OpenTelemetry exporters are left out (they would feed on themselves)."""
        if record.name.startswith(("syntra_sdk", "opentelemetry", "urllib3")):
            return
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        if record.levelno >= self.event_level:
            hint = {"tags": {"logger": record.name}, "level": _level(record.levelno), "mechanism": "logging"}
            if record.exc_info and record.exc_info[1] is not None:
                self.client.capture_exception(record.exc_info[1], extra={"log_message": message}, **hint)
            else:
                self.client.capture_message(message, **hint)
        elif record.levelno >= self.breadcrumb_level:
            self.client.add_breadcrumb(
                record.name, message, type="console", level=_level(record.levelno), data={"logger": record.name}
            )


def install_logging(client: Client) -> None:
    """Adds the breadcrumb handler to the root logger: it sees the records the loggers let through."""
    handler = BreadcrumbHandler(client)
    root = logging.getLogger()
    root.addHandler(handler)
    client.on_close(lambda: root.removeHandler(handler))


def install_atexit(client: Client) -> None:
    """Sends what is queued when the interpreter exits normally, at most the shutdown timeout."""

    def at_exit() -> None:
        client.flush(client.options.shutdown_timeout)

    atexit.register(at_exit)
    client.on_close(lambda: atexit.unregister(at_exit))
