"""Django: errors Django turns into 500 answers (its got_request_exception signal), the request, a scope per
request (request_started/finished), spans through OTel's Django instrumentation."""

from __future__ import annotations

from typing import Any

from .._client import Client
from .._scope import begin_unit_of_work, end_unit_of_work
from . import request_data, should_report


class DjangoIntegration:
    """Connects to Django's request signals, so no middleware needs to be added."""

    name = "django"

    def setup(self, client: Client) -> None:
        """Connects the signals and turns on OTel's instrumentation if installed."""
        from django.core.signals import got_request_exception, request_finished, request_started

        def started(sender: Any, **kwargs: Any) -> None:
            begin_unit_of_work()

        def finished(sender: Any, **kwargs: Any) -> None:
            end_unit_of_work()

        def failed(sender: Any, request: Any = None, **kwargs: Any) -> None:
            import sys

            exc = sys.exc_info()[1]
            if exc is None or not should_report(exc):
                return
            data = None
            if request is not None:
                match = getattr(request, "resolver_match", None)
                data = request_data(
                    request.method or "GET",
                    request.build_absolute_uri(request.path),
                    request.META.get("QUERY_STRING", ""),
                    dict(request.headers),
                    client.options.send_default_pii,
                    route=("/" + match.route) if match is not None and match.route else None,
                )
            client.capture_exception(exc, handled=False, mechanism="django", request=data)

        request_started.connect(started, weak=False, dispatch_uid="syntra_sdk.started")
        request_finished.connect(finished, weak=False, dispatch_uid="syntra_sdk.finished")
        got_request_exception.connect(failed, weak=False, dispatch_uid="syntra_sdk.failed")

        def undo() -> None:
            request_started.disconnect(dispatch_uid="syntra_sdk.started")
            request_finished.disconnect(dispatch_uid="syntra_sdk.finished")
            got_request_exception.disconnect(dispatch_uid="syntra_sdk.failed")

        client.on_close(undo)
        try:
            from opentelemetry.instrumentation.django import DjangoInstrumentor
        except ImportError:
            return
        instrumentor = DjangoInstrumentor()
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument()
            client.on_close(instrumentor.uninstrument)
