"""Starlette and FastAPI: errors of every app, the request, a scope per request, spans through OTel's ASGI
instrumentation."""

from __future__ import annotations

from typing import Any

from .._client import Client
from .._scope import enter_scope, exit_scope, root_scope
from . import request_data, should_report

ASGIApp = Any


def _route_of(scope: dict[str, Any]) -> str | None:
    route = scope.get("route")
    return getattr(route, "path", None)


class SyntraMiddleware:
    """ASGI middleware: the request's scope for its handlers, and its unhandled exception reported (then re-raised,
    so the server answers as before)."""

    def __init__(self, app: ASGIApp, client: Client) -> None:
        self.app = app
        self.client = client

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers", [])]
        host = next((v for k, v in headers if k.lower() == "host"), "localhost")
        url = f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{scope.get('path', '/')}"
        request = request_data(
            scope.get("method", "GET"),
            url,
            scope.get("query_string", b"").decode("latin-1"),
            headers,
            self.client.options.send_default_pii,
        )
        own = root_scope().fork()
        own.request = request
        token = enter_scope(own)
        try:
            await self.app(scope, receive, send)
        except Exception as exc:
            if should_report(exc):
                route = _route_of(scope)
                if route:
                    request["route"] = route
                self.client.capture_exception(exc, handled=False, mechanism="starlette", request=request)
            raise
        finally:
            exit_scope(token)


class StarletteIntegration:
    """Wraps every Starlette (and FastAPI) app's middleware stack, so init() alone is enough."""

    name = "starlette"

    def setup(self, client: Client) -> None:
        """Patches build_middleware_stack of Starlette and of FastAPI (which overrides it), then turns on OTel's
        instrumentation if installed."""
        from starlette.applications import Starlette

        classes: list[Any] = [Starlette]
        try:
            from fastapi import FastAPI

            classes.append(FastAPI)
        except ImportError:
            pass
        for cls in classes:
            original = cls.__dict__.get("build_middleware_stack")
            if original is None:
                continue

            def build_middleware_stack(app: Any, _original: Any = original) -> ASGIApp:
                stack = _original(app)
                # A FastAPI stack is built by FastAPI's method calling Starlette's: wrap it once.
                return stack if isinstance(stack, SyntraMiddleware) else SyntraMiddleware(stack, client)

            cls.build_middleware_stack = build_middleware_stack
            client.on_close(lambda cls=cls, original=original: setattr(cls, "build_middleware_stack", original))
        # Applied after ours, OTel's server span wraps our middleware: errors are reported inside the span.
        try:
            from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
        except ImportError:
            return
        instrumentor = FastAPIInstrumentor()
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument()
            client.on_close(instrumentor.uninstrument)
