"""Results of a conformance run: checks grouped by scenario, each Pass, Fail, Skip or Error."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from specgen.checker.validate import Finding


class Status(enum.IntEnum):
    """Ordered by badness, so a group's status is ``max`` of its children's."""

    PASS = 0
    SKIP = 1
    FAIL = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.capitalize()


@dataclass
class Record:
    """One HTTP exchange as the report shows it (credentials already redacted)."""

    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    response_headers: list[tuple[str, str]]
    body: bytes
    descriptor: str = ""  # route/method/request/response it exercised
    findings: list[Finding] = field(default_factory=list)
    elapsed: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": self.url,
            "descriptor": self.descriptor,
            "request_headers": self.request_headers,
            "request_body": preview(self.request_body),
            "status": self.status,
            "response_headers": self.response_headers,
            "body": preview(self.body),
            "findings": [f._asdict() for f in self.findings],
            "elapsed": round(self.elapsed, 4),
        }

    def transcript(self) -> str:
        lines = [f"> {self.method} {self.url}"]
        lines += [f"> {k}: {v}" for k, v in self.request_headers]
        if self.request_body:
            lines += [">", "> " + preview(self.request_body)]
        lines += [f"< {self.status}"]
        lines += [f"< {k}: {v}" for k, v in self.response_headers]
        if self.body:
            lines += ["<", "< " + preview(self.body)]
        if self.descriptor:
            lines.append(f"= descriptor {self.descriptor}")
        lines += [f"! {f.severity} {f.path}: {f.message}" for f in self.findings]
        return "\n".join(lines)


def preview(data: bytes, limit: int = 2048) -> str:
    """Text of a body for transcripts: UTF-8 as is, binary as hex, long bodies cut."""
    if not data:
        return ""
    cut = data[:limit]
    try:
        text = cut.decode("utf-8")
        if any(ord(c) < 9 for c in text):
            raise UnicodeDecodeError("utf-8", cut, 0, 1, "control")
    except UnicodeDecodeError:
        text = "hex:" + cut[:256].hex()
    more = len(data) - len(cut)
    return text + (f"... ({more} more bytes)" if more > 0 else "")


@dataclass
class Check:
    """One step of a scenario: a request (or a few) with an expectation."""

    name: str
    status: Status = Status.PASS
    message: str = ""
    records: list[Record] = field(default_factory=list)
    duration: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status.label,
            "message": self.message,
            "duration": round(self.duration, 4),
            "exchanges": [r.to_json() for r in self.records],
        }


@dataclass
class Group:
    """One scenario; its status is the worst of its checks'."""

    name: str
    description: str = ""
    checks: list[Check] = field(default_factory=list)
    skip_reason: str = ""

    @property
    def status(self) -> Status:
        if self.skip_reason and not self.checks:
            return Status.SKIP
        return max((c.status for c in self.checks), default=Status.PASS)

    @property
    def duration(self) -> float:
        return sum(c.duration for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "status": self.status.label,
            "skip_reason": self.skip_reason,
            "checks": [c.to_json() for c in self.checks],
        }


@dataclass
class CoverageRow:
    """One descriptor (route, method, request or response) and how the run fared on it."""

    level: str  # "route" | "method" | "request" | "response"
    path: str
    exercised: int = 0
    failed: int = 0
    reason: str = ""  # why it was not exercised, when known

    @property
    def outcome(self) -> str:
        if not self.exercised:
            return "not exercised"
        return "failed" if self.failed else "passed"


@dataclass
class Report:
    target: str
    set_name: str
    repository: str
    groups: list[Group] = field(default_factory=list)
    coverage: list[CoverageRow] = field(default_factory=list)
    duration: float = 0.0
    notes: list[str] = field(default_factory=list)
    aborted: str = ""  # why the run stopped early (the registry went away), if it did

    @property
    def run_id(self) -> str:
        """A short name for this run's files: the repository's last component."""
        return self.repository.rsplit("/", 1)[-1].replace(":", "-")

    @property
    def status(self) -> Status:
        """The run's verdict: its worst group, except that skipped groups beside passing ones
        leave it a pass (a registry declining what the descriptors let it decline conforms)."""
        worst = max((g.status for g in self.groups), default=Status.PASS)
        if worst == Status.SKIP and any(g.status == Status.PASS for g in self.groups):
            return Status.PASS
        return worst

    def counts(self) -> dict[str, int]:
        out = {s.label: 0 for s in Status}
        for g in self.groups:
            for c in g.checks:
                out[c.status.label] += 1
            if g.skip_reason and not g.checks:
                out["Skip"] += 1
        return out

    def coverage_ratio(self, level: str) -> tuple[int, int]:
        rows = [r for r in self.coverage if r.level == level]
        return sum(1 for r in rows if r.exercised), len(rows)

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "set": self.set_name,
            "repository": self.repository,
            "status": self.status.label,
            "counts": self.counts(),
            "duration": round(self.duration, 3),
            "notes": self.notes,
            "aborted": self.aborted,
            "groups": [g.to_json() for g in self.groups],
            "coverage": [
                {
                    "level": r.level,
                    "path": r.path,
                    "exercised": r.exercised,
                    "failed": r.failed,
                    "outcome": r.outcome,
                    "reason": r.reason,
                }
                for r in self.coverage
            ],
        }
