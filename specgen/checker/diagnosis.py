"""From a report to what a registry author acts on: the distinct departures (failures grouped by
cause, with counts and the checks they hit), the exchange that shows each failure, and text short
enough for a terminal (long URLs, names and bodies elided)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from specgen.checker.context import DECLINED
from specgen.checker.results import Check, Record, Report, Status

_DIGEST = re.compile(r"\b(sha256|sha384|sha512):[0-9a-f]{16,}")
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
_QUOTED_LIST = re.compile(r"\[[^\]]{40,}\]")
_URL = re.compile(r"(?:https?://[^\s'\"]+|/v2/[^\s'\":,]*)")
_LONG_RUN = re.compile(r"(\S)\1{39,}")
_NUMBER = re.compile(r"\b\d{4,}\b")  # lengths and offsets; statuses (3 digits) tell causes apart


def elide(text: str, width: int = 160) -> str:
    """``text`` with runs of one character and long tokens shortened, and cut at ``width``."""
    text = _LONG_RUN.sub(lambda m: f"{m.group(1) * 3}…({len(m.group(0))} chars)", text)
    words = [w if len(w) <= 72 else f"{w[:40]}…{w[-24:]}" for w in text.split(" ")]
    text = " ".join(words)
    return text if len(text) <= width else text[: width - 12] + f"… (+{len(text) - width + 12} chars)"


_REQUEST = re.compile(r"^(?:GET|HEAD|PUT|POST|PATCH|DELETE) \S+: ")
_DESCRIPTOR = re.compile(r"^[a-z0-9-]+/[A-Z]+/[^:]*: ")
_DECLARED = re.compile(r" \(declared: [^)]*\)")


def where_of(message: str) -> str:
    """The descriptor (``route/METHOD``) or request (``METHOD route-ish path``) a message is about."""
    m = _DESCRIPTOR.match(message)
    if m:
        return "/".join(m.group(0).rstrip(": ").split("/")[:2])
    m = _REQUEST.match(message)
    return m.group(0).split(" ")[0] if m else ""


def elide_url(url: str) -> str:
    """A URL for a terminal: its path and query (the registry is named once, above), each long
    segment or query value shortened in the middle, so what differs stays readable."""
    split = urlsplit(url)

    def short(part: str, keep: int) -> str:
        part = _LONG_RUN.sub(lambda m: f"{m.group(1) * 3}…({len(m.group(0))} chars)", part)
        return part if len(part) <= 2 * keep + 1 else f"{part[:keep]}…{part[-keep:]}"

    path = "/".join(short(seg, 12) for seg in split.path.split("/"))
    query = "&".join(
        f"{k}={short(unquote(v), 8)}" for k, v in (p.partition("=")[::2] for p in split.query.split("&") if p)
    )
    return path + (f"?{query}" if query else "")


def cause_of(message: str, repo: str = "") -> str:
    """The cause a failure message states, without where it was seen (the request or descriptor it
    names) and with what varies between occurrences (digests, upload ids, URLs, the run's
    repository, numbers, long lists) made generic, so equal causes group."""
    text = _DESCRIPTOR.sub("", _REQUEST.sub("", message))
    text = _DECLARED.sub("", text)
    text = text.replace(repo, "<repo>") if repo else text
    text = _URL.sub("<url>", text)
    text = _DIGEST.sub(r"\1:<digest>", text)
    text = _UUID.sub("<uuid>", text)
    text = _QUOTED_LIST.sub("[...]", text)
    text = _NUMBER.sub("<n>", text)
    return text


@dataclass
class Departure:
    """One cause and the failing checks it shows in."""

    cause: str
    example: str  # one occurrence as reported (elided)
    count: int = 0
    checks: list[str] = field(default_factory=list)  # "group / check", each once
    where: list[str] = field(default_factory=list)  # the descriptors (route/METHOD) or methods it showed at


def failing_checks(report: Report) -> list[tuple[str, Check]]:
    return [(g.name, c) for g in report.groups for c in g.checks if c.status >= Status.FAIL]


def departures(report: Report) -> list[Departure]:
    """The distinct causes of the run's failures, most frequent first. A check's message is one or
    more ``; ``-separated parts; each part is one occurrence of its cause."""
    found: dict[str, Departure] = {}
    for group, check in failing_checks(report):
        for part in check.message.split("; ") if check.message else ["(no message)"]:
            if part.startswith(DECLINED):
                continue
            key = cause_of(part, report.repository)
            d = found.setdefault(key, Departure(key, elide(part)))
            d.count += 1
            at = where_of(part)
            if at and at not in d.where:
                d.where.append(at)
            name = f"{group} / {check.name}"
            if name not in d.checks:
                d.checks.append(name)
    return sorted(found.values(), key=lambda d: (-d.count, d.cause))


def telling_records(check: Check, most: int = 2) -> list[Record]:
    """The exchanges that show why ``check`` failed: those with error findings, else the last one
    (the step failed on what it got last)."""
    bad = [r for r in check.records if any(f.severity == "error" for f in r.findings)]
    return (bad or check.records[-1:])[:most]


def excerpt(record: Record, known: str = "", body_width: int = 200) -> list[str]:
    """Request line (the path and query, elided), the request and response headers that matter,
    the start of the body, the findings not already in ``known`` (the check's message) and the
    descriptor."""
    lines = [f"> {record.method} {elide_url(record.url)}"]
    keep = (
        "content-type",
        "content-length",
        "content-range",
        "range",
        "location",
        "link",
        "docker-content-digest",
        "docker-upload-uuid",
        "oci-subject",
        "oci-filters-applied",
        "oci-chunk-min-length",
        "docker-distribution-api-version",
        "www-authenticate",
    )
    sent = [f"{k}: {elide(v, 100)}" for k, v in record.request_headers if k.lower() in ("content-range", "range")]
    if sent:
        lines.append("> " + ", ".join(sent))
    got = [
        f"{k}: {elide_url(v) if k.lower() in ('location', 'link') and '://' in v else elide(v, 100)}"
        for k, v in record.response_headers
        if k.lower() in keep
    ]
    lines.append(f"< {record.status or '(no answer)'}" + (f"  {', '.join(got)}" if got else ""))
    if record.body and record.method != "HEAD":
        from specgen.checker.results import preview

        lines.append("< " + elide(preview(record.body, 4096).replace("\n", " "), body_width))
    for f in record.findings:
        text = f"{f.path}: {f.message}"
        if f.severity == "error" and text not in known:
            lines.append(f"! {elide(text, 200)}")
    if record.descriptor:
        lines.append(f"= {record.descriptor}")
    return lines


__all__ = ["Departure", "cause_of", "departures", "elide", "excerpt", "failing_checks", "telling_records"]
