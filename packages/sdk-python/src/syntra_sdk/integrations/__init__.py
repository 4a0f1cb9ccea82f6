"""Framework integrations: each one reports the framework's unhandled errors with the request, gives every request
(or task) a scope of its own, and turns on the framework's OpenTelemetry instrumentation when it is installed.
init() sets up those whose framework is installed; `integrations=[...]` or `default_integrations=False` choose."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from .._client import Client

_PRIVATE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-syntra-key",
        "x-api-key",
        "x-auth-token",
        "x-csrf-token",
        "x-csrftoken",
        "x-forwarded-for",
        "x-real-ip",
        "forwarded",
    }
)
_SECRET_PARAM = re.compile(r"pass|secret|token|auth|key|session|signature|sig$|code$", re.IGNORECASE)


class Integration(Protocol):
    """Something init() sets up with the client."""

    name: str

    def setup(self, client: Client) -> None:
        """Hooks into the framework; registers its undo with client.on_close."""


def scrub_query(query: str) -> str:
    """A query string with the values of parameters that look like secrets replaced."""
    from urllib.parse import parse_qsl, urlencode

    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, "[Filtered]" if _SECRET_PARAM.search(k) else v) for k, v in pairs])


def request_data(
    method: str,
    url: str,
    query: str,
    headers: Iterable[tuple[str, str]] | Mapping[str, str],
    send_default_pii: bool,
    route: str | None = None,
) -> dict[str, Any]:
    """What an event keeps of a request: URL without query, the query with secrets filtered, the headers minus
    credentials and client addresses (all kept with send_default_pii)."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    data: dict[str, Any] = {
        "method": method,
        "url": url,
        "headers": {k.lower(): v for k, v in items if send_default_pii or k.lower() not in _PRIVATE_HEADERS},
    }
    if query:
        data["query_string"] = query if send_default_pii else scrub_query(query)
    if route:
        data["route"] = route
    return data


def should_report(exc: BaseException) -> bool:
    """Errors a framework turns into 4xx answers are the client's, not the app's."""
    status = getattr(exc, "status_code", None) or getattr(exc, "code", None)
    return not (isinstance(status, int) and 400 <= status < 500)
