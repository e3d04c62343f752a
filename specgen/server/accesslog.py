"""The access log: one line per request, Apache's combined format (plus the request id and the
time taken) or one JSON object per line, on the logger ``specgen.access``.

Never logged: any request header but ``Referer`` and ``User-Agent`` (so no ``Authorization`` and
no cookie), and the value of any query parameter that may carry a secret (tokens, signatures,
passwords, credentials of a presigned URL), which is replaced by ``REDACTED``.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

LOGGER = "specgen.access"
log = logging.getLogger(LOGGER)

#: Query parameters whose values are never logged.
SECRET_PARAM = re.compile(r"token|secret|passw|signature|credential|session|auth|key|code|_state", re.IGNORECASE)
REDACTED = "REDACTED"


def redact_query(query: str) -> str:
    """The query string with the values of secret-looking parameters replaced."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    return "&".join(
        f"{quote(k, safe='')}={REDACTED if SECRET_PARAM.search(k) else quote(v, safe='/:')}" for k, v in pairs
    )


@dataclass
class Entry:
    """What is logged of one request."""

    remote: str
    method: str
    path: str
    query: str  # already redacted
    protocol: str
    status: int
    bytes_out: int
    bytes_in: int
    duration: float  # seconds
    request_id: str
    route: str
    referer: str
    user_agent: str
    started: float  # Unix time

    def target(self) -> str:
        return quote(self.path, safe="/:@!$&'()*+,;=-._~") + (f"?{self.query}" if self.query else "")


def _quoted(value: str) -> str:
    """A header value inside a combined-format ``"..."`` field (no quote or control character)."""
    if not value:
        return "-"
    return "".join(c if c.isprintable() and c not in '"\\' else f"\\x{ord(c):02x}" for c in value)


def combined(e: Entry) -> str:
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S %z", time.localtime(e.started))
    return (
        f'{e.remote or "-"} - - [{stamp}] "{e.method} {e.target()} HTTP/{e.protocol}" {e.status} '
        f'{e.bytes_out or "-"} "{_quoted(e.referer)}" "{_quoted(e.user_agent)}" '
        f"request_id={e.request_id} duration={e.duration:.6f}"
    )


def json_line(e: Entry) -> str:
    return json.dumps(
        {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(e.started)) + f".{int(e.started % 1 * 1000):03d}Z",
            "request_id": e.request_id,
            "remote": e.remote,
            "method": e.method,
            "path": e.path,
            "query": e.query,
            "protocol": e.protocol,
            "route": e.route,
            "status": e.status,
            "bytes_in": e.bytes_in,
            "bytes_out": e.bytes_out,
            "duration": round(e.duration, 6),
            "referer": e.referer,
            "user_agent": e.user_agent,
        },
        separators=(",", ":"),
    )


FORMATS = {"combined": combined, "json": json_line}


def write(entry: Entry, fmt: str = "combined") -> None:
    if log.isEnabledFor(logging.INFO):
        log.info("%s", FORMATS[fmt](entry))
