"""Django, Flask and Celery with init() alone: their unhandled errors arrive with the request (or task), its own
user and breadcrumbs, and the trace of OTel's span."""

from __future__ import annotations

import logging

import pytest

import syntra_sdk
from fixtures import parse_amount

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def assert_request_event(service, mechanism: str, route: str, url: str) -> dict:
    issue = service.issue(exception_type="ValueError")
    assert issue["event_count"] == 2
    events = {e["context"]["user"]["id"]: e for e in service.events(issue["id"])}
    event = events["customer-17"]
    assert event["handled"] is False
    assert event["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    tags = event["context"]["tags"]
    assert tags["mechanism"] == mechanism
    assert tags["transaction"] == f"GET {route}"
    assert tags["url"] == url
    request = event["context"]["extra"]["request"]
    assert request["query_string"] == "raw=12x&token=%5BFiltered%5D"
    assert "cookie" not in request["headers"]
    crumbs = [b.get("message") for b in event["breadcrumbs"]]
    assert "parsing amount of order 17" in crumbs
    assert "parsing amount of order 18" not in crumbs
    assert event["stack_trace"][-1]["function"] == "parse_amount"
    return event


def test_django(service):
    import django
    from django.conf import settings

    import django_app

    if not settings.configured:
        settings.configure(**django_app.SETTINGS)
        django.setup()
    syntra_sdk.init(dsn=service.dsn, logs=False)
    from django.test import Client

    client = Client(raise_request_exception=False)
    headers = {"traceparent": TRACEPARENT, "cookie": "session=abc"}
    assert client.get("/orders/17/amount?raw=12x&token=hunter2", headers=headers).status_code == 500
    assert client.get("/orders/18/amount?raw=zz").status_code == 500
    assert client.get("/ok").status_code == 200
    assert client.get("/nowhere").status_code == 404
    assert syntra_sdk.flush(30)
    assert len(service.issues()) == 1
    assert_request_event(service, "django", "/orders/<int:order_id>/amount", "http://testserver/orders/17/amount")


def test_flask(service):
    syntra_sdk.init(dsn=service.dsn, logs=False)
    import flask  # after init(): the OTel instrumentation replaces flask.Flask

    app = flask.Flask("shop")

    @app.get("/orders/<int:order_id>/amount")
    def amount(order_id: int):
        syntra_sdk.set_user({"id": f"customer-{order_id}"})
        logging.getLogger("shop").warning("parsing amount of order %d", order_id)
        return {"amount": parse_amount(flask.request.args.get("raw", ""))}

    client = app.test_client()
    headers = {"traceparent": TRACEPARENT, "cookie": "session=abc"}
    assert client.get("/orders/17/amount?raw=12x&token=hunter2", headers=headers).status_code == 500
    assert client.get("/orders/18/amount?raw=zz").status_code == 500
    assert client.get("/nowhere").status_code == 404
    assert syntra_sdk.flush(30)
    assert len(service.issues()) == 1
    assert_request_event(service, "flask", "/orders/<int:order_id>/amount", "http://localhost/orders/17/amount")


def test_celery_task_failures(service):
    syntra_sdk.init(dsn=service.dsn, logs=False)
    from celery import Celery

    app = Celery("shop", broker="memory://", backend="cache+memory://")
    app.conf.task_always_eager = True

    @app.task(name="shop.import_prices")
    def import_prices(raw: str) -> int:
        logging.getLogger("shop").warning("importing %s", raw)
        return parse_amount(raw)

    assert import_prices.delay("12").get() == 12
    with pytest.raises(ValueError, match="invalid literal"):
        import_prices.delay("12x").get()
    assert syntra_sdk.flush(30)
    issue = service.issue(exception_type="ValueError")
    [event] = service.events(issue["id"])
    assert event["handled"] is False
    assert event["context"]["tags"]["mechanism"] == "celery"
    assert event["context"]["tags"]["celery.task"] == "shop.import_prices"
    assert event["context"]["extra"]["celery"]["retries"] == 0
    assert len(event.get("trace_id", "")) == 32, "the task's span (OTel's Celery instrumentation)"
    crumbs = [b.get("message") for b in event["breadcrumbs"]]
    assert crumbs.count("importing 12x") == 1
    assert "importing 12" not in crumbs, "each task has its own breadcrumbs"
