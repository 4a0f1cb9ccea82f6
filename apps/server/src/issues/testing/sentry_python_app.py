"""An app using the official Python sentry-sdk, run by sentry-sdk.test.ts: `python sentry_python_app.py <dsn>`.

It reports the same handled error three times, a message and breadcrumbs, then dies of an unhandled exception,
which the SDK's excepthook reports before the interpreter exits.
"""
import sys

import sentry_sdk

sentry_sdk.init(dsn=sys.argv[1], release="shop@2.0.0", environment="production", traces_sample_rate=1.0)
sentry_sdk.set_user({"id": "py-user-7", "email": "bo@example.com"})
sentry_sdk.set_tag("region", "us-east")
sentry_sdk.add_breadcrumb(category="auth", message="user logged in", level="info")


def parse_amount(text):
    return int(text)


for text in ["12a", "x", "4.5"]:
    try:
        parse_amount(text)
    except ValueError:
        sentry_sdk.capture_exception()

sentry_sdk.capture_message("Inventory low for sku 1234", level="warning")
sentry_sdk.flush(timeout=10)


def crash():
    raise KeyError("missing-config")


crash()
