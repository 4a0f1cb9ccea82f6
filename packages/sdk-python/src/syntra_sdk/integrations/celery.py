"""Celery: task failures reported with the task, a scope per task, task spans through OTel's Celery
instrumentation."""

from __future__ import annotations

from typing import Any

from .._client import Client
from .._scope import begin_unit_of_work, end_unit_of_work


class CeleryIntegration:
    """Connects to Celery's task signals (workers and eager calls)."""

    name = "celery"

    def setup(self, client: Client) -> None:
        """Connects the signals and turns on OTel's instrumentation if installed."""
        from celery import signals

        def prerun(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
            scope = begin_unit_of_work()
            scope.set_tag("celery.task", getattr(task, "name", "?"))
            scope.set_tag("celery.task_id", str(task_id))

        def postrun(**kwargs: Any) -> None:
            end_unit_of_work()

        def failure(
            sender: Any = None, task_id: str | None = None, exception: BaseException | None = None, **kwargs: Any
        ) -> None:
            if exception is None:
                return
            request = getattr(sender, "request", None)
            client.capture_exception(
                exception,
                handled=False,
                mechanism="celery",
                tags={"celery.task": getattr(sender, "name", "?")},
                extra={"celery": {"task_id": task_id, "retries": getattr(request, "retries", 0)}},
            )

        signals.task_prerun.connect(prerun, weak=False)
        signals.task_postrun.connect(postrun, weak=False)
        signals.task_failure.connect(failure, weak=False)

        def undo() -> None:
            signals.task_prerun.disconnect(prerun)
            signals.task_postrun.disconnect(postrun)
            signals.task_failure.disconnect(failure)

        client.on_close(undo)
        try:
            from opentelemetry.instrumentation.celery import CeleryInstrumentor
        except ImportError:
            return
        instrumentor = CeleryInstrumentor()
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument()
            client.on_close(instrumentor.uninstrument)
