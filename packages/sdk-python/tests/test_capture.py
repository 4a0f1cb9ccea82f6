"""Handled errors, messages, breadcrumbs from logging, user, tags and extra, arriving in a real control plane."""

from __future__ import annotations

import asyncio
import logging

import syntra_sdk
from fixtures import load_inventory, parse_amount


def test_handled_errors_arrive_with_frames_source_breadcrumbs_and_context(service):
    syntra_sdk.init(dsn=service.dsn, release="shop@2.0.0", environment="staging", tracing=False, logs=False)
    syntra_sdk.set_user({"id": "py-user-7", "email": "bo@example.com"})
    syntra_sdk.set_tag("region", "us-east")
    syntra_sdk.set_extra("cart", {"items": 3, "coupon": None})
    log = logging.getLogger("shop.checkout")
    log.warning("inventory low for %s", "sku-1")
    syntra_sdk.add_breadcrumb("auth", "user logged in", type="ui")
    for text in ["12x", "abc", "9.5"]:
        try:
            parse_amount(text)
        except ValueError:
            syntra_sdk.capture_exception()
    syntra_sdk.capture_message("Inventory low for sku 1234", level="warning")
    assert syntra_sdk.flush(30)

    issue = service.issue(exception_type="ValueError")
    assert issue["event_count"] == 3, "three ValueErrors with different values are one issue"
    assert issue["culprit"] == "parse_amount (fixtures)"
    assert service.issue(exception_type="message")["title"] == "Inventory low for sku 1234"
    [event, *_] = service.events(issue["id"])
    innermost = event["stack_trace"][-1]
    assert innermost["function"] == "parse_amount"
    assert innermost["module"] == "fixtures"
    assert innermost["in_app"] is True
    assert innermost["context_line"].strip() == "return int(text)"
    assert innermost["pre_context"][-1].strip() == '"""Raises ValueError for text that is not a number."""'
    assert event["release"] == "shop@2.0.0"
    assert event["environment"] == "staging"
    assert event["handled"] is True
    assert event["context"]["user"] == {"id": "py-user-7", "email": "bo@example.com"}
    assert event["context"]["tags"]["region"] == "us-east"
    assert event["context"]["tags"]["runtime"].startswith("CPython 3.")
    assert event["context"]["extra"]["cart"] == {"items": 3, "coupon": None}
    messages = [b.get("message") for b in event["breadcrumbs"]]
    assert "inventory low for sku-1" in messages
    assert "user logged in" in messages


def test_logging_errors_become_events(service):
    syntra_sdk.init(dsn=service.dsn, tracing=False, logs=False)
    log = logging.getLogger("billing")
    log.error("payment provider answered %d", 502)
    try:
        {}["missing-config"]
    except KeyError:
        log.exception("could not load the configuration")
    assert syntra_sdk.flush(30)
    message = service.issue(exception_type="message")
    assert message["title"] == "payment provider answered 502"
    key_error = service.issue(exception_type="KeyError")
    [event] = service.events(key_error["id"])
    assert event["context"]["tags"]["logger"] == "billing"
    assert event["context"]["tags"]["mechanism"] == "logging"
    assert event["context"]["extra"]["log_message"] == "could not load the configuration"


def test_scopes_follow_asyncio_tasks(service):
    syntra_sdk.init(dsn=service.dsn, tracing=False, logs=False)
    syntra_sdk.set_tag("global", "yes")

    async def task(name: str) -> None:
        with syntra_sdk.new_scope():
            syntra_sdk.set_user({"id": f"user-{name}"})
            syntra_sdk.set_tag("task", name)
            syntra_sdk.add_breadcrumb("task", f"task {name} started")
            await asyncio.sleep(0.01)
            try:
                await load_inventory(f"sku-{name}")
            except LookupError:
                syntra_sdk.capture_exception()

    async def main() -> None:
        await asyncio.gather(*(task(n) for n in "abc"))

    asyncio.run(main())
    syntra_sdk.capture_message("outside any task")
    assert syntra_sdk.flush(30)
    events = service.all_events()
    for name in "abc":
        [event] = [e for e in events if e["message"] == f"sku sku-{name} is not stocked"]
        assert event["context"]["user"]["id"] == f"user-{name}"
        assert event["context"]["tags"]["task"] == name
        assert event["context"]["tags"]["global"] == "yes"
        crumbs = [b["message"] for b in event["breadcrumbs"] if b["category"] == "task"]
        assert crumbs == [f"task {name} started"]
        assert event["stack_trace"][-1]["function"] == "load_inventory"
    [outside] = [e for e in events if e["message"] == "outside any task"]
    assert "user" not in outside["context"]
    assert "task" not in outside["context"]["tags"]
