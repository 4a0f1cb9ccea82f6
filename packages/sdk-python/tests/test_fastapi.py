"""A real FastAPI app (Starlette underneath) with init() alone: its unhandled errors arrive with the request, the
route, the request's own user and breadcrumbs, and the trace of OTel's server span."""

from __future__ import annotations

import logging

import syntra_sdk
from fixtures import parse_amount


def make_app():
    import fastapi  # after init(): the OTel instrumentation replaces fastapi.FastAPI

    app = fastapi.FastAPI()

    @app.get("/orders/{order_id}/amount")
    def amount(order_id: int, raw: str):
        syntra_sdk.set_user({"id": f"customer-{order_id}"})
        logging.getLogger("shop").warning("parsing amount of order %d", order_id)
        return {"amount": parse_amount(raw)}

    @app.get("/missing")
    def missing():
        raise fastapi.HTTPException(status_code=404, detail="no such thing")

    @app.get("/ok")
    async def ok():
        return {"ok": True}

    return app


def test_fastapi_errors_arrive_with_request_route_user_and_trace(service):
    syntra_sdk.init(dsn=service.dsn, release="api@1.0.0", logs=False)
    from fastapi.testclient import TestClient

    client = TestClient(make_app(), raise_server_exceptions=False)
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    response = client.get(
        "/orders/17/amount?raw=12x&token=hunter2",
        headers={"traceparent": traceparent, "cookie": "session=abc", "x-request-id": "r-1"},
    )
    assert response.status_code == 500
    assert client.get("/missing").status_code == 404
    assert client.get("/ok").status_code == 200
    assert client.get("/orders/18/amount?raw=zz").status_code == 500
    assert syntra_sdk.flush(30)

    issue = service.issue(exception_type="ValueError")
    assert issue["event_count"] == 2, "the 404 is not reported"
    assert len(service.issues()) == 1
    events = {e["context"]["user"]["id"]: e for e in service.events(issue["id"])}
    event = events["customer-17"]
    assert event["handled"] is False
    assert event["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736", "the trace the request came with"
    assert len(event["span_id"]) == 16
    tags = event["context"]["tags"]
    assert tags["mechanism"] == "starlette"
    assert tags["transaction"] == "GET /orders/{order_id}/amount"
    assert tags["url"] == "http://testserver/orders/17/amount"
    request = event["context"]["extra"]["request"]
    assert request["method"] == "GET"
    assert request["query_string"] == "raw=12x&token=%5BFiltered%5D"
    assert request["headers"]["x-request-id"] == "r-1"
    assert "cookie" not in request["headers"]
    crumbs = [b.get("message") for b in event["breadcrumbs"]]
    assert "parsing amount of order 17" in crumbs
    assert "parsing amount of order 18" not in crumbs, "another request's breadcrumbs stay in that request"
    assert event["stack_trace"][-1]["function"] == "parse_amount"
