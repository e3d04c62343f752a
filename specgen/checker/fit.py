"""Which descriptor set a registry's recorded answers fit best.

A run checks one set; a registry may implement another (distribution 2.8.2 predates OCI v1.1's
referrers and mount answers; a set's extension declares answers the base set does not). The
exchanges a run recorded are validated again against each candidate set and their departures
counted: an error finding of an exchange counts once. A path no route of the candidate matches is
a departure unless the registry answered 404 (what a router without that route says).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from specgen.checker.results import Record, Report
from specgen.checker.validate import Exchange, Finding, locate, validate
from specgen.model import DescriptorSet


class Fit(NamedTuple):
    set_name: str
    departures: int


class Hint(NamedTuple):
    """Set ``better`` fits the answers with ``theirs`` departures, the run's set with ``ours``."""

    better: str
    theirs: int
    ours: int

    def __str__(self) -> str:
        return (
            f"hint: answers fit set {self.better} better ({self.theirs} vs {self.ours} departures); "
            f"try --set {self.better}"
        )


def records(report: Report) -> list[Record]:
    """Every exchange the run recorded that got an HTTP answer."""
    return [r for g in report.groups for c in g.checks for r in c.records if r.status]


def exchange(record: Record) -> Exchange:
    return Exchange(
        record.method,
        record.url,
        dict(record.request_headers),
        record.status,
        dict(record.response_headers),
        record.body,
        record.request_body or None,
    )


def departures(recorded: Iterable[Record], dset: DescriptorSet) -> int:
    """How many of the recorded exchanges depart from ``dset``."""
    count = 0
    for record in recorded:
        ex = exchange(record)
        target = locate(ex, dset)
        if isinstance(target, Finding) and "no route" in target.message:
            count += ex.status != 404
        elif any(f.severity == "error" for f in validate(ex, dset)):
            count += 1
    return count


def best_fit(report: Report, dset: DescriptorSet, candidates: Iterable[DescriptorSet]) -> Hint | None:
    """A hint when a candidate set fits the report's exchanges with fewer departures than ``dset``
    (the set the run checked), else None."""
    recorded = records(report)
    ours = departures(recorded, dset)
    if not ours:
        return None
    fits = [Fit(c.name, departures(recorded, c)) for c in candidates if c.name != dset.name]
    best = min(fits, key=lambda f: f.departures, default=None)
    if best is None or best.departures >= ours:
        return None
    return Hint(best.set_name, best.departures, ours)


def ranking(report: Report, dset: DescriptorSet, candidates: Iterable[DescriptorSet]) -> list[Fit]:
    """The run's set and every candidate with its departures, best fit first (the run's set first
    among equals)."""
    recorded = records(report)
    sets = [dset, *(c for c in candidates if c.name != dset.name)]
    fits = [Fit(s.name, departures(recorded, s)) for s in sets]
    return sorted(fits, key=lambda f: (f.departures, f.set_name != dset.name))


def fit_summary(report: Report, dset: DescriptorSet, candidates: Iterable[DescriptorSet]) -> str:
    """One line: which bundled set (or release) the registry's answers fit best, and by how much,
    e.g. ``fit: best oci_v1_1 (81 departures); registry_v2 90, registry_v2_8_2 97``."""
    fits = ranking(report, dset, candidates)
    best, rest = fits[0], fits[1:]
    others = ", ".join(f"{f.set_name} {f.departures}" for f in rest)
    return f"fit: best {best.set_name} ({best.departures} departures)" + (f"; {others}" if others else "")
