"""Delivery of events: batched, retried with backoff, bounded, on a background thread; never raises into the app."""

from __future__ import annotations

import gzip
import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from typing import Any

from ._dsn import Dsn

KEY_HEADER = "x-syntra-key"
DROP_REASONS = ("queue_full", "rejected", "retries_exhausted", "sample_rate", "before_send", "closed")

Sender = Callable[[bytes], tuple[int, float | None]]


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds (HTTP dates are rare from Syntra and treated as absent)."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def http_sender(dsn: Dsn, timeout: float = 10.0) -> Sender:
    """Posts a gzipped JSON body to the DSN's errors endpoint with the key header; returns (status, retry after)."""

    def send(body: bytes) -> tuple[int, float | None]:
        request = urllib.request.Request(
            dsn.errors_url,
            data=gzip.compress(body),
            method="POST",
            headers={"content-type": "application/json", "content-encoding": "gzip", KEY_HEADER: dsn.key},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as res:
                res.read()
                return res.status, None
        except urllib.error.HTTPError as err:
            return err.code, retry_after_seconds(err.headers.get("retry-after"))

    return send


class Transport:
    """One worker thread sends batches in order; failures are retried with exponential backoff and jitter."""

    def __init__(
        self,
        send: Sender,
        max_queue_size: int = 100,
        batch_size: int = 50,
        batch_delay: float = 0.2,
        max_retries: int = 8,
        initial_backoff: float = 1.0,
        max_backoff: float = 60.0,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self._send = send
        self._max_queue = max_queue_size
        self._batch_size = batch_size
        self._batch_delay = batch_delay
        self._max_retries = max_retries
        self._initial_backoff = initial_backoff
        self._max_backoff = max_backoff
        self._log = log or (lambda _m: None)
        self._queue: deque[dict[str, Any]] = deque()
        self._cond = threading.Condition()
        self._sending = False
        self._closed = False
        self._flush_now = False
        self.sent = 0
        self.retried = 0
        self.dropped = dict.fromkeys(DROP_REASONS, 0)
        self._unreported = dict.fromkeys(DROP_REASONS, 0)
        self._thread = threading.Thread(target=self._run, name="syntra-sdk-transport", daemon=True)
        self._thread.start()

    def enqueue(self, event: dict[str, Any]) -> bool:
        """Queues an event; False when it had to be dropped (counted)."""
        with self._cond:
            if self._closed:
                self._drop("closed", 1)
                return False
            if len(self._queue) >= self._max_queue:
                self._drop("queue_full", 1)
                return False
            self._queue.append(event)
            self._cond.notify_all()
            return True

    def record_drop(self, reason: str, count: int = 1) -> None:
        """Counts events dropped before they reached the transport."""
        with self._cond:
            self._drop(reason, count)

    def stats(self) -> dict[str, Any]:
        """Sent, retried, queued and dropped (by reason)."""
        with self._cond:
            return {
                "sent": self.sent,
                "retried": self.retried,
                "queued": len(self._queue),
                "dropped": dict(self.dropped),
            }

    def flush(self, timeout: float) -> bool:
        """Sends what is queued and waits until the queue is empty, at most `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._flush_now = True
            self._cond.notify_all()
            while self._queue or self._sending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def close(self, timeout: float) -> bool:
        """Flushes, then refuses new events and ends the worker."""
        done = self.flush(timeout)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        return done

    def _drop(self, reason: str, count: int) -> None:
        self.dropped[reason] += count
        self._unreported[reason] += count
        self._log(f"dropped {count} event(s): {reason}")

    def _body(self, batch: list[dict[str, Any]]) -> tuple[bytes, dict[str, int]]:
        reporting = {k: v for k, v in self._unreported.items() if v > 0}
        if reporting:
            # The drop counts since the last delivery ride along in the first event's extra.sdk.
            first = dict(batch[0])
            context = dict(first["context"])
            extra = dict(context["extra"])
            extra["sdk"] = {**extra.get("sdk", {}), "dropped_events": reporting}
            context["extra"] = extra
            first["context"] = context
            batch = [first, *batch[1:]]
        return json.dumps({"errors": batch}, separators=(",", ":")).encode(), reporting

    def _wait_for_batch(self) -> list[dict[str, Any]] | None:
        with self._cond:
            while not self._queue and not self._closed:
                self._cond.wait()
            if not self._queue:
                return None
            if len(self._queue) < self._batch_size and not self._flush_now and not self._closed:
                self._cond.wait(self._batch_delay)
            self._flush_now = False
            self._sending = True
            return list(self._queue)[: self._batch_size]

    def _attempt(self, body: bytes) -> tuple[int, float | None]:
        try:
            return self._send(body)
        except Exception as err:  # network errors, timeouts: retried like a 503
            self._log(f"sending failed: {err}")
            return 0, None

    def _run(self) -> None:
        attempt = 0
        while True:
            batch = self._wait_for_batch()
            if batch is None:
                return
            with self._cond:
                body, reporting = self._body(batch)
            status, retry_after = self._attempt(body)
            retry = status in (0, 408, 429) or status >= 500
            with self._cond:
                if 200 <= status < 300 or not retry or attempt >= self._max_retries or self._closed:
                    for _ in batch:
                        self._queue.popleft()
                    if 200 <= status < 300:
                        self.sent += len(batch)
                        for k, v in reporting.items():
                            self._unreported[k] -= v
                    else:
                        self._drop("rejected" if not retry else "retries_exhausted", len(batch))
                    attempt = 0
                    self._sending = False
                    self._cond.notify_all()
                    continue
                attempt += 1
                self.retried += 1
                self._sending = False
                self._cond.notify_all()
                backoff = min(self._max_backoff, self._initial_backoff * 2 ** (attempt - 1))
                wait = retry_after if retry_after is not None else backoff * (0.5 + random.random() / 2)
                self._log(f"status {status}: retry {attempt} in {wait:.1f} s")
                # Waits the backoff unless the transport is closed meanwhile.
                self._cond.wait_for(lambda: self._closed, timeout=wait)
