"""DSN, options, normalization, stack frames and the transport's rules (batching, retries, bounds)."""

from __future__ import annotations

import datetime
import threading

import pytest

from syntra_sdk import DsnError, parse_dsn
from syntra_sdk._normalize import MAX_STRING, normalize, truncate
from syntra_sdk._options import resolve_options, resource_attributes
from syntra_sdk._scope import Scope
from syntra_sdk._stack import is_in_app
from syntra_sdk._transport import Transport, retry_after_seconds

KEY = "syn_ing_0123456789abcdef0123456789abcdef"


def test_dsn_parts_and_endpoints():
    dsn = parse_dsn(f" http://{KEY}@host.docker.internal:4318/syntra/7 ")
    assert dsn.key == KEY
    assert dsn.project_id == "7"
    assert dsn.base_url == "http://host.docker.internal:4318/syntra"
    assert dsn.errors_url == "http://host.docker.internal:4318/syntra/v1/errors"
    assert dsn.traces_url.endswith("/v1/traces")
    assert dsn.logs_url.endswith("/v1/logs")
    assert parse_dsn(f"https://{KEY}@[::1]/1").base_url == "https://[::1]"


@pytest.mark.parametrize(
    ("dsn", "reason"),
    [
        ("", "it is empty"),
        ("not a url", "scheme must be http or https"),
        (f"ftp://{KEY}@h/1", "scheme must be http or https"),
        ("https://h/1", "key is missing"),
        ("https://abc@h/1", "syn_ing_ followed by 32 hex"),
        (f"https://{KEY}:pw@h/1", "no password"),
        (f"https://{KEY}@h/1?x=1", "no query string"),
        (f"https://{KEY}@h", "numeric id is missing"),
        (f"https://{KEY}@h/shop", 'numeric id, not "shop"'),
        (f"https://{KEY}@h:99999/1", "not a URL"),
    ],
)
def test_wrong_dsns_say_why(dsn, reason):
    with pytest.raises(DsnError, match=reason) as err:
        parse_dsn(dsn)
    assert "Expected http(s)://<key>@<host>" in str(err.value)
    assert KEY not in str(err.value)


def test_options_from_the_variables_syntra_injects():
    options, problem = resolve_options(
        {},
        {
            "SYNTRA_DSN": f"http://{KEY}@host.docker.internal:4318/12",
            "OTEL_SERVICE_NAME": "worker",
            "OTEL_RESOURCE_ATTRIBUTES": "deployment.id=8a2b4c6d-1e3f-4a5b-8c7d-9e0f1a2b3c4d,service.version=abc123",
        },
    )
    assert problem is None
    assert options.dsn is not None
    assert options.release == "abc123"
    assert options.environment == "production"
    assert options.deployment_id == "8a2b4c6d-1e3f-4a5b-8c7d-9e0f1a2b3c4d"
    assert options.service_name == "worker"
    assert options.logs is False, "the agent collects a deployed container's output already"
    given, _ = resolve_options({"release": "r2", "environment": "dev", "logs": True}, {"SENTRY_RELEASE": "r1"})
    assert (given.release, given.environment, given.logs, given.dsn) == ("r2", "dev", True, None)


def test_option_problems():
    _, problem = resolve_options({"dsn": "https://nokey@h/1"}, {})
    assert problem is not None
    assert "key must look like" in problem
    off, problem = resolve_options({"dsn": f"https://{KEY}@h/1", "enabled": False}, {})
    assert off.dsn is None
    assert problem is None
    with pytest.raises(ValueError, match="sample_rate must be a number from 0 to 1"):
        resolve_options({"sample_rate": 2}, {})
    with pytest.raises(TypeError, match="unknown options: sampel_rate"):
        resolve_options({"sampel_rate": 1}, {})
    assert resource_attributes("a=1, b=x%2Cy ,=z,c") == {"a": "1", "b": "x,y"}


def test_normalize_bounds_and_plain_values():
    cyclic: dict = {"name": "cart"}
    cyclic["self"] = cyclic

    class Odd:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    out = normalize(
        {
            "cyclic": cyclic,
            "bytes": b"\xff ok",
            "when": datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC),
            "err": KeyError("k"),
            "nan": float("nan"),
            "set": {1},
            "odd": Odd(),
            "wide": list(range(150)),
            "deep": {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}},
        }
    )
    assert out["cyclic"] == {"name": "cart", "self": "[Circular]"}
    assert out["bytes"] == "\ufffd ok"
    assert out["when"] == "2026-01-02T00:00:00+00:00"
    assert out["err"] == {"type": "KeyError", "message": "'k'"}
    assert out["nan"] == "nan"
    assert out["set"] == [1]
    assert out["odd"] == "[unreadable: no repr]"
    assert out["wide"][-1] == "[50 more]"
    assert out["deep"]["a"]["b"]["c"]["d"]["e"] == "[Object]"
    assert len(truncate("x" * (MAX_STRING + 5))) == MAX_STRING
    assert normalize({str(i): i for i in range(120)})["…"] == "20 more keys"


def test_scope_user_and_breadcrumb_bounds():
    scope = Scope(max_breadcrumbs=2)
    scope.set_user({"id": 5, "email": "not an email"})
    assert scope.user == {"id": "5"}
    scope.set_user({"email": "a@b.co"})
    assert scope.user == {"id": "a@b.co", "email": "a@b.co"}
    scope.set_user({})
    assert scope.user == {"id": "a@b.co", "email": "a@b.co"}, "a user without id or email is ignored"
    scope.set_user(None)
    assert scope.user is None
    for n in range(3):
        scope.add_breadcrumb({"n": n})
    assert [b["n"] for b in scope.breadcrumbs] == [1, 2]
    scope.set_max_breadcrumbs(0)
    scope.add_breadcrumb({"n": 9})
    assert list(scope.breadcrumbs) == []


def test_in_app():
    assert is_in_app("/srv/app/shop.py", "shop")
    assert not is_in_app("/venv/lib/python3.11/site-packages/flask/app.py", "flask.app")
    assert not is_in_app("<frozen runpy>", "runpy")
    assert is_in_app("/venv/lib/python3.11/site-packages/mylib/x.py", "mylib.x", include=["mylib"])
    assert not is_in_app("/srv/app/vendor/x.py", "vendor.x", exclude=["vendor"])
    assert not is_in_app(threading.__file__, "threading"), "the standard library"
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") is None
    assert retry_after_seconds(None) is None


def event(n: int) -> dict:
    return {"id": f"00000000-0000-4000-8000-{n:012d}", "context": {"extra": {}}, "message": f"event {n}"}


def answering(*answers):
    bodies: list[dict] = []
    calls = iter(answers)
    last = [answers[-1]]

    def send(body: bytes):
        import json

        bodies.append(json.loads(body))
        answer = next(calls, last[0])
        if isinstance(answer, Exception):
            raise answer
        return answer

    return send, bodies


def test_transport_batches_in_order():
    send, bodies = answering((200, None))
    t = Transport(send, max_queue_size=100, batch_size=4, batch_delay=0.01)
    for n in range(10):
        t.enqueue(event(n))
    assert t.flush(5)
    assert [len(b["errors"]) for b in bodies] == [4, 4, 2]
    assert [e["message"] for b in bodies for e in b["errors"]] == [f"event {n}" for n in range(10)]
    assert t.stats()["sent"] == 10


def test_transport_retries_then_delivers():
    send, bodies = answering((503, None), OSError("refused"), (429, 0.01), (408, None), (200, None))
    t = Transport(send, batch_delay=0.01, initial_backoff=0.01, max_backoff=0.05)
    t.enqueue(event(1))
    assert t.flush(5)
    assert len(bodies) == 5
    assert t.stats()["retried"] == 4


def test_transport_drops_refused_and_exhausted_and_overflow():
    send, bodies = answering((400, None))
    t = Transport(send, batch_delay=0.01)
    t.enqueue(event(1))
    assert t.flush(5)
    assert t.stats()["dropped"]["rejected"] == 1
    assert len(bodies) == 1

    send, bodies = answering((500, None))
    t = Transport(send, batch_delay=0.01, max_retries=2, initial_backoff=0.01)
    t.enqueue(event(1))
    assert t.flush(5)
    assert len(bodies) == 3
    assert t.stats()["dropped"]["retries_exhausted"] == 1

    send, bodies = answering((200, None))
    t = Transport(send, max_queue_size=2, batch_delay=0.2)
    assert [t.enqueue(event(n)) for n in range(4)] == [True, True, False, False]
    t.record_drop("sample_rate")
    assert t.flush(5)
    assert bodies[0]["errors"][0]["context"]["extra"]["sdk"] == {"dropped_events": {"queue_full": 2, "sample_rate": 1}}
    t.enqueue(event(5))
    assert t.flush(5)
    assert "sdk" not in bodies[1]["errors"][0]["context"]["extra"], "drops are reported once"


def test_transport_flush_times_out_and_close_refuses():
    send, _ = answering(OSError("down"))
    t = Transport(send, batch_delay=0.01, initial_backoff=30)
    t.enqueue(event(1))
    assert not t.flush(0.2)
    t.close(0)
    assert not t.enqueue(event(2))
    assert t.stats()["dropped"]["closed"] == 1
