"""DSN parsing: where each signal goes and the key that attributes it to a service."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

_KEY = re.compile(r"^syn_ing_[0-9a-f]{32}$")
_SHAPE = "http(s)://<key>@<host>[:port][/path]/<numeric id>, e.g. https://syn_ing_0123…@syntra.example.com/42"


class DsnError(ValueError):
    """A DSN that cannot be used; the message says which part is wrong and what a DSN looks like."""


@dataclass(frozen=True)
class Dsn:
    """A DSN taken apart."""

    raw: str
    key: str
    project_id: str
    base_url: str

    @property
    def errors_url(self) -> str:
        """Where error events are posted."""
        return f"{self.base_url}/v1/errors"

    @property
    def traces_url(self) -> str:
        """OTLP/HTTP traces."""
        return f"{self.base_url}/v1/traces"

    @property
    def logs_url(self) -> str:
        """OTLP/HTTP logs."""
        return f"{self.base_url}/v1/logs"


def mask_dsn(dsn: str) -> str:
    """The DSN with most of its key hidden, for messages."""
    return re.sub(r"(//syn_ing_[0-9a-f]{4})[0-9a-f]*", r"\1…", dsn, flags=re.IGNORECASE)


def parse_dsn(dsn: str) -> Dsn:
    """Reads a DSN (the `dsn` of the service's ingest settings, or SYNTRA_DSN); raises DsnError when it is wrong."""
    text = dsn.strip()

    def fail(why: str) -> DsnError:
        return DsnError(f'Invalid Syntra DSN "{mask_dsn(text)}": {why}. Expected {_SHAPE}')

    if not text:
        raise fail("it is empty")
    try:
        url = urlsplit(text)
        port = url.port
    except ValueError as err:
        raise fail("it is not a URL") from err
    if url.scheme not in ("http", "https"):
        raise fail(f"the scheme must be http or https, not {url.scheme or 'none'}")
    if not url.hostname:
        raise fail("it is not a URL")
    key = unquote(url.username or "")
    if not key:
        raise fail("the key is missing before the @")
    if not _KEY.match(key):
        raise fail("the key must look like syn_ing_ followed by 32 hex digits")
    if url.password is not None:
        raise fail("a DSN has no password part (nothing after the key's ':')")
    if url.query or url.fragment:
        raise fail("a DSN has no query string or fragment")
    segments = [s for s in url.path.split("/") if s]
    if not segments:
        raise fail("the service's numeric id is missing at the end of the path")
    project_id = segments.pop()
    if not project_id.isdigit():
        raise fail(f'the last path segment must be the service\'s numeric id, not "{project_id}"')
    host = url.hostname if ":" not in url.hostname else f"[{url.hostname}]"
    netloc = f"{host}:{port}" if port is not None else host
    prefix = "/" + "/".join(segments) if segments else ""
    return Dsn(raw=text, key=key, project_id=project_id, base_url=f"{url.scheme}://{netloc}{prefix}")
