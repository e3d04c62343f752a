"""The server's limits and timeouts, with their defaults, in one place.

Every field of ``Limits`` is one ``specgen serve`` flag (``--<field-with-dashes>``) and one key of
the configuration file (``limits.<field>``): ``specgen.config.settings`` lists them from here. The parent process hands them to its
workers through ``SPECGEN_LIMITS`` (a JSON object of the fields), which ``current()`` reads.

Defaults follow distribution where it has one (Go's ``net/http``: 1 MiB of request head) and are otherwise chosen so that an honest client on a slow link never meets them,
while a client holding a connection or an upload session without sending is let go within a minute.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

#: Environment variable the worker processes read the limits from.
ENV_LIMITS = "SPECGEN_LIMITS"


@dataclass(frozen=True)
class Limits:
    """Limits of one server; each field's metadata is its help text."""

    #: Longest request line (method, target, version), bytes; past it: 414.
    max_request_line: int = 64 * 1024
    #: Largest request head (request line and all header fields), bytes; past it: 431.
    max_header_bytes: int = 1024 * 1024
    #: Most header fields in one request; past it: 431.
    max_header_count: int = 1000
    #: Seconds a client has to send a whole request head once it began (or after connecting).
    header_timeout: float = 30.0
    #: Seconds a request body may go without a byte before the connection is closed.
    body_idle_timeout: float = 30.0
    #: Bytes per second a request body must average over each ``body_idle_timeout`` window.
    body_min_rate: int = 1024
    #: Seconds an idle keep-alive connection is kept open between requests.
    keepalive_timeout: float = 30.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not value > 0:  # also NaN
                raise ValueError(f"{f.name.replace('_', '-')} must be positive, not {value!r}")

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls, text: str | None) -> Limits:
        if not text:
            return cls()
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def with_(self, **changes: Any) -> Limits:
        return replace(self, **changes)


#: Each field's line in ``specgen serve --help``, the configuration schema and its docs.
HELP = {
    "max_request_line": "longest request line in bytes; longer answers 414",
    "max_header_bytes": "largest request head (request line and header fields) in bytes; larger answers 431",
    "max_header_count": "most header fields in a request; more answers 431",
    "header_timeout": "seconds to send a whole request head (also from connecting to the first request)",
    "body_idle_timeout": "seconds a request body may pause; the connection closes and an upload session "
    "it held stays resumable",
    "body_min_rate": "bytes per second a request body must average over each body-idle-timeout window",
    "keepalive_timeout": "seconds an idle keep-alive connection stays open",
}


def from_settings(values: Mapping[str, Any]) -> Limits:
    """The limits of resolved configuration ``values`` (keys ``limits.<field>``, see
    ``specgen.config.settings``; a key not given keeps its default)."""
    return Limits(
        **{f.name: values[f"limits.{f.name}"] for f in fields(Limits) if values.get(f"limits.{f.name}") is not None}
    )


_current: Limits | None = None


def current() -> Limits:
    """The limits of this process: ``SPECGEN_LIMITS`` (read once), else the defaults."""
    global _current
    if _current is None:
        try:
            _current = Limits.from_env(os.environ.get(ENV_LIMITS))
        except (ValueError, TypeError):
            _current = Limits()
    return _current


def set_current(limits: Limits | None) -> None:
    """Use ``limits`` in this process (None: read ``SPECGEN_LIMITS`` again on next use)."""
    global _current
    _current = limits
