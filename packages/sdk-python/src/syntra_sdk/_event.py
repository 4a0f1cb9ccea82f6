"""Error events as `POST /v1/errors` takes them (the contract's `sdkErrorEvent`)."""

from __future__ import annotations

import platform
import re
import socket
import uuid
from datetime import UTC, datetime
from typing import Any

from ._normalize import normalize, truncate
from ._scope import Scope
from ._stack import frames_from_traceback

SDK_INFO = {"name": "syntra.python", "version": "0.1.0"}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def now_iso() -> str:
    """The current time as the contract's timestamps are written."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def runtime_info() -> tuple[dict[str, str], dict[str, Any]]:
    """Tags and contexts of the runtime, as Sentry shows them."""
    version = platform.python_version()
    tags = {
        "runtime": f"{platform.python_implementation()} {version}",
        "os": f"{platform.system()} {platform.release()}",
        "server_name": socket.gethostname(),
    }
    contexts = {
        "runtime": {"name": platform.python_implementation(), "version": version},
        "os": {"name": platform.system(), "version": platform.release()},
    }
    return tags, contexts


def exception_chain(exc: BaseException) -> list[dict[str, str]]:
    """The causes of an exception (`raise ... from`, or raised while handling another), outermost first."""
    out: list[dict[str, str]] = []
    seen = {id(exc)}
    cause = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    while cause is not None and id(cause) not in seen and len(out) < 5:
        seen.add(id(cause))
        out.append({"type": type(cause).__name__, "message": truncate(str(cause))})
        cause = cause.__cause__ or (None if cause.__suppress_context__ else cause.__context__)
    return out


def build_event(
    *,
    exc: BaseException | None,
    message: str,
    level: str,
    handled: bool,
    scope: Scope,
    hint: dict[str, Any],
    environment: str,
    release: str,
    deployment_id: str | None,
    trace: tuple[str, str] | None,
    in_app: tuple[tuple[str, ...], tuple[str, ...]],
) -> dict[str, Any]:
    """An event from the scope as it is now and what the caller said about this one (its values win)."""
    request = hint.get("request") or scope.request
    runtime_tags, contexts = runtime_info()
    tags: dict[str, str] = {**runtime_tags, "level": level, "handled": "yes" if handled else "no"}
    if hint.get("mechanism"):
        tags["mechanism"] = str(hint["mechanism"])
    if request and request.get("url"):
        tags["url"] = truncate(str(request["url"]), 200)
    if request and request.get("route"):
        tags["transaction"] = f"{request.get('method', 'GET')} {request['route']}"
    tags.update(scope.tags)
    tags.update({str(k): str(v) for k, v in (hint.get("tags") or {}).items()})
    extra: dict[str, Any] = {**scope.extra, **(hint.get("extra") or {})}
    if request:
        extra["request"] = {k: v for k, v in request.items() if k != "route"}
    if exc is not None and (chain := exception_chain(exc)):
        extra["cause"] = chain
    extra["contexts"] = contexts
    extra["sdk"] = SDK_INFO
    event: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "timestamp": now_iso(),
        "type": truncate(type(exc).__name__, 200) if exc is not None else "message",
        "message": truncate(str(exc) if exc is not None else message),
        "stack_trace": frames_from_traceback(exc.__traceback__, *in_app) if exc is not None else [],
        "breadcrumbs": list(scope.breadcrumbs),
        "context": {
            "environment": environment,
            "release": release,
            "tags": {truncate(k, 200): truncate(v, 200) for k, v in tags.items()},
            "extra": normalize(extra),
        },
        "fingerprint": [f for f in (hint.get("fingerprint") or scope.fingerprint or []) if f],
        "level": level,
        "handled": handled,
    }
    if scope.user:
        event["context"]["user"] = dict(scope.user)
    # The contract wants a UUID: anything else would make the control plane refuse the whole batch.
    if deployment_id and _UUID.match(deployment_id):
        event["deployment_id"] = deployment_id
    if trace:
        event["trace_id"], event["span_id"] = trace
    return event
