"""Stack frames of an exception: innermost last, with source lines and in_app decided."""

from __future__ import annotations

import linecache
import os
import sysconfig
import traceback
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from ._normalize import truncate

CONTEXT_LINES = 5
MAX_FRAMES = 50

# Where the standard library and installed packages live: their frames are not the app's.
_LIBRARY_PATHS = tuple(
    {os.path.realpath(p) for k in ("stdlib", "platstdlib", "purelib", "platlib") if (p := sysconfig.get_paths().get(k))}
)


def is_in_app(filename: str, module: str | None, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> bool:
    """The app's own code: not the standard library, not site-packages, not frozen modules; overridable by module."""
    if module and any(module == m or module.startswith(m + ".") for m in include):
        return True
    if module and any(module == m or module.startswith(m + ".") for m in exclude):
        return False
    if filename.startswith("<") or "site-packages" in filename or "dist-packages" in filename:
        return False
    real = os.path.realpath(filename)
    return not any(real.startswith(p + os.sep) for p in _LIBRARY_PATHS)


def _lines(filename: str, lineno: int, module_globals: dict[str, Any] | None) -> dict[str, Any]:
    linecache.checkcache(filename)
    line = linecache.getline(filename, lineno, module_globals)
    if not line:
        return {}

    def get(n: int) -> str:
        return truncate(linecache.getline(filename, n, module_globals).rstrip("\r\n"), 200)

    return {
        "context_line": truncate(line.rstrip("\r\n"), 200),
        "pre_context": [get(n) for n in range(max(1, lineno - CONTEXT_LINES), lineno)],
        "post_context": [
            text
            for n in range(lineno + 1, lineno + 1 + CONTEXT_LINES)
            if (text := get(n)) or linecache.getline(filename, n)
        ],
    }


def frames_from_traceback(
    tb: TracebackType | None, include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """The frames of a traceback as the contract wants them (outermost first, innermost last)."""
    frames: list[dict[str, Any]] = []
    for frame, lineno in traceback.walk_tb(tb):
        code = frame.f_code
        module = frame.f_globals.get("__name__")
        filename = code.co_filename
        entry: dict[str, Any] = {
            "filename": filename,
            "function": getattr(code, "co_qualname", code.co_name),
            "lineno": max(0, lineno or 0),
            "in_app": is_in_app(filename, module, include, exclude),
        }
        if isinstance(module, str):
            entry["module"] = module
        entry.update(_lines(filename, entry["lineno"], frame.f_globals))
        frames.append(entry)
    return frames[-MAX_FRAMES:]
