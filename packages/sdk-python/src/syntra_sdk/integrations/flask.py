"""Flask: errors Flask turns into 500 answers (got_request_exception), the request, a scope per request, spans
through OTel's Flask instrumentation."""

from __future__ import annotations

from typing import Any

from .._client import Client
from .._scope import begin_unit_of_work, end_unit_of_work
from . import request_data, should_report


class FlaskIntegration:
    """Connects to Flask's signals (every app), so no code in the app is needed."""

    name = "flask"

    def setup(self, client: Client) -> None:
        """Connects the signals and turns on OTel's instrumentation if installed (apps made after init())."""
        from flask import request as current_request
        from flask.signals import got_request_exception, request_finished, request_started

        def started(sender: Any, **kwargs: Any) -> None:
            begin_unit_of_work()

        def finished(sender: Any, **kwargs: Any) -> None:
            end_unit_of_work()

        def failed(sender: Any, exception: BaseException, **kwargs: Any) -> None:
            if not should_report(exception):
                return
            rule = current_request.url_rule
            data = request_data(
                current_request.method,
                current_request.base_url,
                current_request.query_string.decode("latin-1"),
                dict(current_request.headers),
                client.options.send_default_pii,
                route=rule.rule if rule is not None else None,
            )
            client.capture_exception(exception, handled=False, mechanism="flask", request=data)

        request_started.connect(started, weak=False)
        request_finished.connect(finished, weak=False)
        got_request_exception.connect(failed, weak=False)

        def undo() -> None:
            request_started.disconnect(started)
            request_finished.disconnect(finished)
            got_request_exception.disconnect(failed)

        client.on_close(undo)
        try:
            from opentelemetry.instrumentation.flask import FlaskInstrumentor
        except ImportError:
            return
        instrumentor = FlaskInstrumentor()
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument()
            client.on_close(instrumentor.uninstrument)
