"""``specgen diff`` output formats: text, a Markdown changelog, JSON and JUnit XML."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape, quoteattr

from specgen.diff.changes import Change
from specgen.diff.rules import LEVELS, RULES, severity

#: Headings of the Markdown changelog, most severe first.
HEADINGS = {
    "breaking": "Breaking changes",
    "potentially-breaking": "Potentially breaking changes",
    "compatible": "Compatible changes",
    "docs-only": "Documentation-only changes",
}


def counts(changes: Sequence[Change], side: str = "both") -> dict[str, int]:
    """How many changes reach each level (for ``side``: ``clients``, ``servers`` or ``both``)."""
    out = dict.fromkeys(LEVELS, 0)
    for c in changes:
        out[c.level(side)] += 1
    return out


def summary(changes: Sequence[Change]) -> str:
    c = counts(changes)
    return f"{len(changes)} change(s): " + ", ".join(f"{c[level]} {level}" for level in reversed(LEVELS))


def text(changes: Sequence[Change], old: str, new: str) -> str:
    lines = [f"{old} -> {new}"]
    for c in changes:
        lines.append(
            f"[{c.level()}] {c.rule}: {c.where()}: {c.describe()} (clients: {c.clients}, servers: {c.servers})"
        )
    lines.append(summary(changes))
    return "\n".join(lines) + "\n"


def markdown(changes: Sequence[Change], old: str, new: str) -> str:
    """A changelog: one section per level, most severe first, changes grouped by rule."""
    out = [f"# Changes from {old} to {new}", "", summary(changes), ""]
    for level in reversed(LEVELS):
        chosen = [c for c in changes if c.level() == level]
        if not chosen:
            continue
        out += [f"## {HEADINGS[level]}", ""]
        for rule in RULES:
            of_rule = [c for c in chosen if c.rule == rule]
            if not of_rule:
                continue
            r = RULES[rule]
            out.append(f"### `{rule}` (clients: {r.clients}, servers: {r.servers})")
            out.append("")
            out.append(f"{r.summary[0].upper()}{r.summary[1:]}.")
            out.append("")
            out += [f"- {_md(c.where())}: {_md(c.describe())}" for c in of_rule]
            out.append("")
    return "\n".join(out)


def _md(s: str) -> str:
    return s.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def as_json(changes: Sequence[Change], old: str, new: str) -> str:
    data = {
        "old": old,
        "new": new,
        "counts": {
            "both": counts(changes),
            "clients": counts(changes, "clients"),
            "servers": counts(changes, "servers"),
        },
        "changes": [c.as_dict() for c in changes],
    }
    return json.dumps(data, indent=2, ensure_ascii=False, default=list) + "\n"


def junit(changes: Sequence[Change], old: str, new: str, fail_level: str = "breaking", side: str = "both") -> str:
    """One test case per change, failed when it reaches ``fail_level`` for ``side``."""
    failed = [c for c in changes if severity(c.level(side)) >= severity(fail_level)]
    name = quoteattr(f"specgen diff {old} -> {new}")
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name={name} tests="{len(changes)}" failures="{len(failed)}">',
        f'  <testsuite name={name} tests="{len(changes)}" failures="{len(failed)}">',
    ]
    for c in changes:
        classname = quoteattr(".".join(p for p in (c.route, c.method) if p) or "registry")
        case = f"    <testcase classname={classname} name={quoteattr(c.rule + ': ' + c.where())}"
        message = f"{c.describe()} (clients: {c.clients}, servers: {c.servers})"
        if c in failed:
            out.append(case + ">")
            out.append(
                f"      <failure type={quoteattr(c.level(side))} message={quoteattr(message)}>"
                f"{escape(c.definition.summary)}</failure>"
            )
            out.append("    </testcase>")
        else:
            out.append(case + f"><system-out>{escape(message)}</system-out></testcase>")
    out += ["  </testsuite>", "</testsuites>"]
    return "\n".join(out) + "\n"


FORMATS: dict[str, Callable[..., str]] = {"text": text, "markdown": markdown, "json": as_json, "junit": junit}
