"""Syntra SDK for Python: `import syntra_sdk; syntra_sdk.init(dsn=...)`.

Errors are captured with breadcrumbs and context and sent to Syntra; traces and logs go through OpenTelemetry.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any

from ._client import Client
from ._dsn import Dsn, DsnError, parse_dsn
from ._hooks import install_atexit, install_excepthooks, install_logging
from ._options import Options, resolve_options
from ._scope import Scope, current_scope, new_scope, root_scope
from ._tracing import CapturedExceptions, active_span_ids, setup_logs, setup_tracing, start_span
from ._transport import Transport, http_sender

__all__ = [
    "Client",
    "Dsn",
    "DsnError",
    "Options",
    "Scope",
    "add_breadcrumb",
    "capture_exception",
    "capture_message",
    "close",
    "current_scope",
    "flush",
    "get_client",
    "get_stats",
    "init",
    "last_event_id",
    "new_scope",
    "parse_dsn",
    "set_extra",
    "set_tag",
    "set_user",
    "start_span",
]
__version__ = "0.1.0"

_client: Client | None = None

# Framework integrations set up when their framework is installed (module to look for, integration path).
_FRAMEWORKS = (
    ("starlette", "syntra_sdk.integrations.starlette", "StarletteIntegration"),
    ("django", "syntra_sdk.integrations.django", "DjangoIntegration"),
    ("flask", "syntra_sdk.integrations.flask", "FlaskIntegration"),
    ("celery", "syntra_sdk.integrations.celery", "CeleryIntegration"),
)


def _django_project() -> bool:
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        return True
    conf = sys.modules.get("django.conf")
    return bool(conf and conf.settings.configured)


def _framework_integrations() -> list[Any]:
    found = []
    for module, path, name in _FRAMEWORKS:
        # Django's instrumentation reads (and without them makes up) its settings: only in a Django project, not
        # wherever Django happens to be installed.
        if module == "django" and not _django_project():
            continue
        if importlib.util.find_spec(module) is not None:
            found.append(getattr(importlib.import_module(path), name)())
    return found


def init(dsn: str | None = None, **options: Any) -> Client:
    """Starts the SDK. Every option may be left out: in a container Syntra deployed, the DSN, release, environment
    and deployment come from its environment. Without a DSN the API works and sends nothing. Calling init again
    replaces the client. Options: environment, release, sample_rate, traces_sample_rate, before_send,
    before_breadcrumb, integrations, default_integrations, debug, max_breadcrumbs, max_queue_size,
    shutdown_timeout, send_default_pii, in_app_include, in_app_exclude, deployment_id, tracing, logs,
    service_name, enabled."""
    global _client
    if _client is not None:
        _client.close(0)
    resolved, problem = resolve_options({**options, **({"dsn": dsn} if dsn else {})})
    if problem:
        print(f"[syntra] {problem}; nothing will be sent.", file=sys.stderr)
    root_scope().set_max_breadcrumbs(resolved.max_breadcrumbs)
    if resolved.dsn is None:
        _client = Client(resolved, None)
        return _client
    client_ref: list[Client] = []
    transport = Transport(
        http_sender(resolved.dsn),
        max_queue_size=resolved.max_queue_size,
        log=lambda m: client_ref[0].log(m) if client_ref else None,
    )
    captured = CapturedExceptions()
    client = Client(resolved, transport, active_span=active_span_ids, on_captured=captured.remember)
    client.captured_exceptions = captured
    client_ref.append(client)
    _client = client
    if resolved.default_integrations:
        install_excepthooks(client)
        install_logging(client)
        install_atexit(client)
    if resolved.tracing:
        spans = setup_tracing(resolved.dsn, resolved, captured)
        client.on_flush(lambda t: spans.force_flush(int(t * 1000)))
        client.on_close(spans.shutdown)
    if resolved.logs:
        import logging

        records, handler = setup_logs(resolved.dsn, resolved)
        client.on_flush(lambda t: records.force_flush(int(t * 1000)))

        def stop_logs() -> None:
            logging.getLogger().removeHandler(handler)
            records.shutdown()

        client.on_close(stop_logs)
    chosen = list(resolved.integrations or [])
    names = {i.name for i in chosen}
    defaults = _framework_integrations() if resolved.default_integrations else []
    for integration in [*(i for i in defaults if i.name not in names), *chosen]:
        try:
            integration.setup(client)
        except Exception as err:
            client.log(f"integration {integration.name} failed to set up: {err}")
    client.log(f"sending to {resolved.dsn.base_url} (release {resolved.release!r}, {resolved.environment})")
    return client


def get_client() -> Client | None:
    """The client init() made."""
    return _client


def capture_exception(exc: BaseException | None = None, **hint: Any) -> str | None:
    """Reports an exception (the one being handled when called without one); returns the event id."""
    return _client.capture_exception(exc, **hint) if _client else None


def capture_message(message: str, level: str = "info", **hint: Any) -> str | None:
    """Reports a message as an event (levels: fatal, error, warning, info, debug)."""
    return _client.capture_message(message, level, **hint) if _client else None


def add_breadcrumb(
    category: str,
    message: str | None = None,
    *,
    type: str = "console",
    level: str = "info",
    data: dict[str, Any] | None = None,
) -> None:
    """Adds a breadcrumb to the current scope."""
    if _client:
        _client.add_breadcrumb(category, message, type=type, level=level, data=data)


def set_user(user: dict[str, Any] | None) -> None:
    """Sets the current scope's user: `{"id": ..., "email": ...}`; None clears it."""
    current_scope().set_user(user)


def set_tag(key: str, value: object) -> None:
    """Sets a tag on the current scope."""
    current_scope().set_tag(key, value)


def set_extra(key: str, value: object) -> None:
    """Sets extra data on the current scope."""
    current_scope().set_extra(key, value)


def flush(timeout: float | None = None) -> bool:
    """Waits until queued events are sent, at most `timeout` seconds (default: shutdown_timeout)."""
    return _client.flush(timeout) if _client else True


def close(timeout: float | None = None) -> bool:
    """Flushes, undoes the integrations and forgets the client."""
    global _client
    client, _client = _client, None
    return client.close(timeout) if client else True


def last_event_id() -> str | None:
    """The id of the last event captured."""
    return _client.last_event_id if _client else None


def get_stats() -> dict[str, Any] | None:
    """Events sent, retried, queued and dropped (by reason)."""
    return _client.transport.stats() if _client and _client.transport else None
