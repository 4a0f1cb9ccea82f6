"""Any value the app hands over, made safe to send as JSON and bounded in size."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

MAX_STRING = 8192
_MAX_DEPTH = 6
_MAX_KEYS = 100


def truncate(text: str, limit: int = MAX_STRING) -> str:
    """Cuts a string to `limit` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def normalize(value: object, depth: int = _MAX_DEPTH, _seen: frozenset[int] = frozenset()) -> Any:
    """JSON-safe copy: cycles, bytes, sets, dates, exceptions and objects become plain values; size is bounded."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, str):
        return truncate(value)
    if isinstance(value, bytes):
        return truncate(value.decode("utf-8", "replace"))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, BaseException):
        return {"type": type(value).__name__, "message": truncate(str(value))}
    if id(value) in _seen:
        return "[Circular]"
    if depth <= 0:
        return "[Object]"
    seen = _seen | {id(value)}
    if isinstance(value, Mapping):
        items = list(value.items())
        out = {str(k): normalize(v, depth - 1, seen) for k, v in items[:_MAX_KEYS]}
        if len(items) > _MAX_KEYS:
            out["…"] = f"{len(items) - _MAX_KEYS} more keys"
        return out
    if isinstance(value, list | tuple | set | frozenset):
        seq = list(value)
        out_list = [normalize(v, depth - 1, seen) for v in seq[:_MAX_KEYS]]
        if len(seq) > _MAX_KEYS:
            out_list.append(f"[{len(seq) - _MAX_KEYS} more]")
        return out_list
    try:
        return truncate(repr(value))
    except Exception as err:  # a broken __repr__ must not fail the event
        return f"[unreadable: {err}]"
