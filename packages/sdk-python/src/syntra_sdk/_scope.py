"""Scopes: what the app said about the current unit of work, kept in a contextvar so asyncio tasks and requests
each see their own."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

_EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")


class Scope:
    """User, tags, extra data, breadcrumbs and the request of the current unit of work."""

    def __init__(self, max_breadcrumbs: int = 100) -> None:
        self.user: dict[str, str] | None = None
        self.tags: dict[str, str] = {}
        self.extra: dict[str, Any] = {}
        self.breadcrumbs: deque[dict[str, Any]] = deque(maxlen=max_breadcrumbs)
        self.fingerprint: list[str] | None = None
        self.request: dict[str, Any] | None = None

    def fork(self) -> Scope:
        """A scope starting as a copy of this one; changes to either stay apart."""
        child = Scope(self.breadcrumbs.maxlen or 0)
        child.user = dict(self.user) if self.user else None
        child.tags = dict(self.tags)
        child.extra = dict(self.extra)
        child.breadcrumbs.extend(self.breadcrumbs)
        child.fingerprint = list(self.fingerprint) if self.fingerprint else None
        child.request = dict(self.request) if self.request else None
        return child

    def set_max_breadcrumbs(self, n: int) -> None:
        """Changes how many breadcrumbs are kept (init's max_breadcrumbs)."""
        self.breadcrumbs = deque(self.breadcrumbs, maxlen=n)

    def set_user(self, user: dict[str, Any] | None) -> None:
        """Sets the user (None clears it). An id is needed; the email is kept when it looks like an address."""
        if user is None:
            self.user = None
            return
        uid = user.get("id", user.get("email"))
        if uid is None or str(uid) == "":
            return
        self.user = {"id": str(uid)}
        email = user.get("email")
        if isinstance(email, str) and _EMAIL.match(email):
            self.user["email"] = email

    def set_tag(self, key: str, value: object) -> None:
        """Tags are searchable and counted per value."""
        self.tags[str(key)] = str(value)

    def set_extra(self, key: str, value: object) -> None:
        """Any JSON-like value."""
        self.extra[str(key)] = value

    def add_breadcrumb(self, crumb: dict[str, Any]) -> None:
        """Keeps the newest max_breadcrumbs."""
        if self.breadcrumbs.maxlen != 0:
            self.breadcrumbs.append(crumb)

    def clear(self) -> None:
        """Forgets everything set on this scope."""
        self.__init__(self.breadcrumbs.maxlen or 0)  # type: ignore[misc]


_root = Scope()
_current: ContextVar[Scope | None] = ContextVar("syntra_scope", default=None)


def root_scope() -> Scope:
    """The process-wide scope."""
    return _root


def current_scope() -> Scope:
    """The scope of the code running now."""
    return _current.get() or _root


def enter_scope(scope: Scope) -> Token[Scope | None]:
    """Makes `scope` current in this context until `exit_scope` (a request's or task's lifetime)."""
    return _current.set(scope)


def exit_scope(token: Token[Scope | None]) -> None:
    """Ends what enter_scope started."""
    _current.reset(token)


_units: ContextVar[tuple[Token[Scope | None], ...]] = ContextVar("syntra_units", default=())


def begin_unit_of_work() -> Scope:
    """A fresh scope (a fork of the process-wide one) for a request or task that a framework announces by signal,
    current in this context until end_unit_of_work. Threads of a server are reused: nothing leaks between their
    requests; units may nest (an eager Celery task inside a request)."""
    scope = _root.fork()
    _units.set((*_units.get(), _current.set(scope)))
    return scope


def end_unit_of_work() -> None:
    """Back to the scope before the matching begin_unit_of_work."""
    units = _units.get()
    if units:
        _current.reset(units[-1])
        _units.set(units[:-1])


@contextmanager
def new_scope() -> Iterator[Scope]:
    """A scope of its own for the block, starting as a copy of the current one: what is set inside stays inside."""
    token = enter_scope(current_scope().fork())
    try:
        yield current_scope()
    finally:
        exit_scope(token)
