"""Options of init(), with the defaults Syntra's injected variables give."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from ._dsn import Dsn, DsnError, parse_dsn

Event = dict[str, Any]
Hint = dict[str, Any]
BeforeSend = Callable[[Event, Hint], Event | None]
BeforeBreadcrumb = Callable[[dict[str, Any]], dict[str, Any] | None]


def resource_attributes(value: str | None) -> dict[str, str]:
    """OTEL_RESOURCE_ATTRIBUTES: `key=value` pairs separated by commas, values percent-encoded."""
    out: dict[str, str] = {}
    for pair in (value or "").split(","):
        key, sep, raw = pair.partition("=")
        if sep and key.strip():
            out[key.strip()] = unquote(raw.strip())
    return out


@dataclass
class Options:
    """Options after defaults."""

    dsn: Dsn | None = None
    environment: str = "production"
    release: str = ""
    sample_rate: float = 1.0
    traces_sample_rate: float = 1.0
    before_send: BeforeSend | None = None
    before_breadcrumb: BeforeBreadcrumb | None = None
    debug: bool = False
    max_breadcrumbs: int = 100
    max_queue_size: int = 100
    shutdown_timeout: float = 2.0
    send_default_pii: bool = False
    in_app_include: Sequence[str] = field(default_factory=tuple)
    in_app_exclude: Sequence[str] = field(default_factory=tuple)
    deployment_id: str | None = None
    tracing: bool = True
    logs: bool = True
    service_name: str | None = None
    integrations: Sequence[Any] | None = None
    default_integrations: bool = True


def _rate(value: float | None, default: float, name: str) -> float:
    if value is None:
        return default
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
        raise ValueError(f"syntra_sdk: {name} must be a number from 0 to 1, not {value!r}")
    return float(value)


def resolve_options(kwargs: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> tuple[Options, str | None]:
    """Options with their defaults; a wrong DSN is returned as a problem (the SDK stays off), never raised."""
    env = os.environ if environ is None else environ
    resource = resource_attributes(env.get("OTEL_RESOURCE_ATTRIBUTES"))
    unknown = set(kwargs) - {f for f in Options.__dataclass_fields__ if f != "dsn"} - {"dsn", "enabled"}
    if unknown:
        raise TypeError(f"syntra_sdk.init() got unknown options: {', '.join(sorted(unknown))}")
    raw_dsn = kwargs.get("dsn") or env.get("SYNTRA_DSN")
    dsn: Dsn | None = None
    problem: str | None = None
    if raw_dsn and kwargs.get("enabled", True):
        try:
            dsn = parse_dsn(raw_dsn)
        except DsnError as err:
            problem = str(err)
    in_syntra_container = "deployment.id" in resource
    options = Options(
        dsn=dsn,
        environment=kwargs.get("environment")
        or env.get("SYNTRA_ENVIRONMENT")
        or env.get("SENTRY_ENVIRONMENT")
        or resource.get("deployment.environment.name")
        or "production",
        release=kwargs.get("release")
        or env.get("SYNTRA_RELEASE")
        or env.get("SENTRY_RELEASE")
        or resource.get("service.version")
        or "",
        sample_rate=_rate(kwargs.get("sample_rate"), 1.0, "sample_rate"),
        traces_sample_rate=_rate(kwargs.get("traces_sample_rate"), 1.0, "traces_sample_rate"),
        before_send=kwargs.get("before_send"),
        before_breadcrumb=kwargs.get("before_breadcrumb"),
        debug=bool(kwargs.get("debug", False)),
        max_breadcrumbs=int(kwargs.get("max_breadcrumbs", 100)),
        max_queue_size=int(kwargs.get("max_queue_size", 100)),
        shutdown_timeout=float(kwargs.get("shutdown_timeout", 2.0)),
        send_default_pii=bool(kwargs.get("send_default_pii", False)),
        in_app_include=tuple(kwargs.get("in_app_include", ())),
        in_app_exclude=tuple(kwargs.get("in_app_exclude", ())),
        deployment_id=kwargs.get("deployment_id") or resource.get("deployment.id"),
        tracing=bool(kwargs.get("tracing", True)),
        # A deployed container's output is collected by its agent already: sending log records too would store
        # every line twice.
        logs=bool(kwargs.get("logs", not in_syntra_container)),
        service_name=kwargs.get("service_name") or env.get("OTEL_SERVICE_NAME") or resource.get("service.name"),
        integrations=kwargs.get("integrations"),
        default_integrations=bool(kwargs.get("default_integrations", True)),
    )
    return options, problem
