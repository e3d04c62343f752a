"""Report writers: terminal summary and coverage table, JUnit XML, JSON, single-file HTML."""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from typing import TextIO

from specgen.checker.apilinks import response_link
from specgen.checker.diagnosis import departures, elide, excerpt, failing_checks, telling_records
from specgen.checker.results import Check, Report, Status
from specgen.model import DescriptorSet

#: A failing check shows at most this many parts of its message in the terminal (all with -v).
MOST_PARTS = 6

_MARK = {Status.PASS: "PASS", Status.SKIP: "SKIP", Status.FAIL: "FAIL", Status.ERROR: "ERROR"}


# -- terminal -------------------------------------------------------------------------------------


def summary_text(
    report: Report, coverage_table: bool = False, verbose: bool = False, transcripts: str | None = None
) -> str:
    """The terminal report: failures first (each with the exchange that shows it, elided; every
    exchange in full with ``verbose``), then skips, the distinct departures, notes, where the
    transcripts are, and a summary line. Groups are not listed again (the progress lines did)."""
    out = [f"specgen check {report.target} (set {report.set_name}, repository {report.repository})"]
    failing = failing_checks(report)
    if failing:
        out += ["", f"Failures ({len(failing)}):"]
    for group, check in failing:
        out += ["", f"{_MARK[check.status]:5} {group} / {check.name}"]
        parts = check.message.split("; ")
        shown = parts if verbose else parts[:MOST_PARTS]
        out += [f"      {elide(part, 240)}" for part in shown]
        if len(parts) > len(shown):
            out.append(f"      ... and {len(parts) - len(shown)} more (-v, or the transcripts file)")
        records = check.records if verbose else telling_records(check)
        for record in records:
            text = record.transcript().splitlines() if verbose else excerpt(record, check.message)
            out += ["      " + line for line in text]
    skipped: list[tuple[str, Check | None]] = [
        (g.name, c) for g in report.groups for c in g.checks if c.status == Status.SKIP
    ]
    skipped += [(g.name, None) for g in report.groups if g.skip_reason and not g.checks]
    if skipped:
        out += ["", "Skipped (optional features the registry declines, as the descriptors allow):"]
        for group, skip in skipped:
            if skip is None:
                out.append(f"SKIP  {group}: {next(g.skip_reason for g in report.groups if g.name == group)}")
            else:
                out.append(f"SKIP  {group} / {skip.name}: {elide(skip.message, 200)}")
    causes = departures(report)
    if causes:
        out += ["", f"Distinct departures: {len(causes)} cause(s) over {len(failing)} failing check(s)"]
        for d in causes:
            shown = d.checks[:3]
            more = f" (+{len(d.checks) - 3} more)" if len(d.checks) > 3 else ""
            out.append(f"  {d.count:3}x  {d.example}")
            if len(d.where) > 1:
                out.append(f"        at {', '.join(d.where[:6])}{' ...' if len(d.where) > 6 else ''}")
            out.append(f"        in {', '.join(shown)}{more}")
    if coverage_table:
        out += ["", coverage_text(report)]
    counts = report.counts()
    req = report.coverage_ratio("request")
    resp = report.coverage_ratio("response")
    out += ["", *(f"note: {n}" for n in report.notes)]
    if transcripts:
        out.append(
            f"transcripts of every exchange: {transcripts}" + ("" if verbose else " (-v prints those of failures)")
        )
    out.append(
        f"{report.status.label.upper()}: "
        + ", ".join(f"{v} {k.lower()}" for k, v in counts.items())
        + f"; request descriptors exercised {req[0]}/{req[1]}, responses {resp[0]}/{resp[1]}"
        + f"; {report.duration:.2f}s"
    )
    return "\n".join(out)


def transcripts_text(report: Report) -> str:
    """Every check's exchanges in full, failures first: the file the terminal report points to."""
    order = sorted(
        ((g.name, c) for g in report.groups for c in g.checks), key=lambda gc: -int(gc[1].status >= Status.FAIL)
    )
    out = [f"specgen check {report.target} (set {report.set_name}, repository {report.repository})"]
    for group, check in order:
        out += [
            "",
            f"== {_MARK[check.status]} {group} / {check.name}" + (f": {check.message}" if check.message else ""),
        ]
        for record in check.records:
            out += ["", record.transcript()]
    return "\n".join(out) + "\n"


def coverage_text(report: Report) -> str:
    width = max((len(r.path) + 2 * _indent(r.level) for r in report.coverage), default=10)
    lines = [f"{'descriptor':{width}}  {'exercised':>9}  outcome"]
    for r in report.coverage:
        name = "  " * _indent(r.level) + r.path.rsplit("/", 1)[-1] if r.level != "route" else r.path
        tail = f"  ({r.reason})" if r.reason and not r.exercised else ""
        lines.append(f"{name:{width}}  {r.exercised:>9}  {r.outcome}{tail}")
    return "\n".join(lines)


def _indent(level: str) -> int:
    return {"route": 0, "method": 1, "request": 2, "response": 3}[level]


class TerminalProgress:
    """One line per group as it finishes; on a TTY, a live line for the running group."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()

    def group_started(self, index: int, total: int, name: str) -> None:
        if self.tty:
            self.stream.write(f"\r\x1b[K[{index}/{total}] {name} ...")
            self.stream.flush()

    def group_finished(self, group) -> None:
        prefix = "\r\x1b[K" if self.tty else ""
        checks = "".join(
            {Status.PASS: ".", Status.SKIP: "s", Status.FAIL: "F", Status.ERROR: "E"}[c.status] for c in group.checks
        )
        self.stream.write(f"{prefix}{_MARK[group.status]:5} {group.name} {checks} ({group.duration:.2f}s)\n")
        self.stream.flush()


# -- JSON -----------------------------------------------------------------------------------------


def to_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2) + "\n"


# -- JUnit XML ------------------------------------------------------------------------------------


def to_junit(report: Report) -> str:
    counts = report.counts()
    root = ET.Element(
        "testsuites",
        name=f"specgen check {report.target}",
        tests=str(sum(counts.values())),
        failures=str(counts["Fail"]),
        errors=str(counts["Error"]),
        skipped=str(counts["Skip"]),
        time=f"{report.duration:.3f}",
    )
    for g in report.groups:
        checks = g.checks
        suite = ET.SubElement(
            root,
            "testsuite",
            name=g.name,
            tests=str(max(len(checks), 1)),
            failures=str(sum(c.status == Status.FAIL for c in checks)),
            errors=str(sum(c.status == Status.ERROR for c in checks)),
            skipped=str(sum(c.status == Status.SKIP for c in checks) + int(not checks)),
            time=f"{g.duration:.3f}",
        )
        if not checks:
            case = ET.SubElement(suite, "testcase", name=g.name, classname=g.name, time="0")
            ET.SubElement(case, "skipped", message=g.skip_reason or "not run")
        for c in checks:
            case = ET.SubElement(suite, "testcase", name=c.name, classname=g.name, time=f"{c.duration:.3f}")
            telling = "\n\n".join("\n".join(excerpt(r, c.message)) for r in telling_records(c))
            text = c.message + ("\n\n" + telling if telling else "")
            if c.status == Status.FAIL:
                ET.SubElement(case, "failure", message=elide(c.message, 1000), type="Fail").text = text
            elif c.status == Status.ERROR:
                ET.SubElement(case, "error", message=elide(c.message, 1000), type="Error").text = text
            elif c.status == Status.SKIP:
                ET.SubElement(case, "skipped", message=c.message)
            ET.SubElement(case, "system-out").text = "\n\n".join(r.transcript() for r in c.records)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# -- HTML -----------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em} table{border-collapse:collapse;margin:1em 0} td,th{border:1px solid #ccc;padding:2px 8px;text-align:left;overflow-wrap:anywhere}
.Pass{color:#161} .Fail{color:#b00;font-weight:bold} .Skip{color:#a60} .Error{color:#70a;font-weight:bold}
details{margin:.3em 0 .3em 1em} summary{cursor:pointer} pre{background:#f6f6f6;padding:.6em;overflow-x:auto;white-space:pre-wrap;overflow-wrap:anywhere}
.msg{color:#555;overflow-wrap:anywhere} .cov td:nth-child(2){text-align:right} a.api{font-size:.9em}
#failures-only:checked ~ #results details.check:not([data-status="Fail"]):not([data-status="Error"]){display:none}
#failures-only:checked ~ #results details.group:not([data-status="Fail"]):not([data-status="Error"]){display:none}
"""


def to_html(report: Report, dset: DescriptorSet | None = None, api_base: str | None = None) -> str:
    """One self-contained page: failures first and open, each exchange linked to the response it
    exercised in the API reference (``api_base``, default the bundled build's api.html); a
    failures-only view (a checkbox, no script); then every group, the departures, the coverage."""
    e = html.escape
    counts = report.counts()
    req, resp = report.coverage_ratio("request"), report.coverage_ratio("response")

    def record_html(r) -> str:
        link = response_link(dset, r.descriptor, api_base) if dset is not None and r.descriptor else None
        ref = f'<a class="api" href="{e(link)}">API reference: {e(r.descriptor)}</a>' if link else ""
        return f'{ref}<pre class="transcript">{e(r.transcript())}</pre>'

    ids = {id(c): f"check-{i}" for i, c in enumerate(c for g in report.groups for c in g.checks)}

    def check_html(c) -> list[str]:
        out = [
            f'<details class="check" id="{ids[id(c)]}" data-status="{c.status.label}"'
            f"{' open' if c.status >= Status.FAIL else ''}><summary>"
            f'<span class="{c.status.label}">{c.status.label}</span> {e(c.name)} '
            f'<span class="msg">{e(c.message)}</span></summary>'
        ]
        out += [record_html(r) for r in c.records]
        out.append("</details>")
        return out

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>specgen check {e(report.target)}</title><style>{_CSS}</style></head><body>",
        f"<h1>specgen check <code>{e(report.target)}</code></h1>",
        f"<p>Set <b>{e(report.set_name)}</b>, repository <code>{e(report.repository)}</code>, "
        f'{report.duration:.2f}s. Status <span class="{report.status.label}">{report.status.label}</span>: '
        + ", ".join(f"{v} {k}" for k, v in counts.items())
        + f". Request descriptors exercised {req[0]}/{req[1]}, responses {resp[0]}/{resp[1]}.</p>",
    ]
    parts += [f'<p class="msg">Note: {e(n)}</p>' for n in report.notes]
    failing = failing_checks(report)
    if failing:
        parts.append(f'<section id="failures"><h2>Failures ({len(failing)})</h2><ul>')
        for group, c in failing:
            parts.append(
                f'<li><a href="#{ids[id(c)]}">{e(group)} / {e(c.name)}</a>: <span class="msg">{e(c.message)}</span></li>'
            )
        parts.append("</ul></section>")
        causes = departures(report)
        parts.append(
            f'<section id="departures"><h2>Distinct departures ({len(causes)})</h2><table>'
            "<tr><th>count</th><th>cause</th><th>checks</th></tr>"
        )
        for d in causes:
            parts.append(f"<tr><td>{d.count}</td><td>{e(d.example)}</td><td>{e(', '.join(d.checks))}</td></tr>")
        parts.append("</table></section>")
    parts.append(
        '<h2>Results</h2><input type="checkbox" id="failures-only"'
        f'{" checked" if failing else ""}><label for="failures-only"> failures only</label>'
    )
    parts.append('<div id="results">')
    for g in report.groups:
        open_ = " open" if g.status >= Status.FAIL else ""
        parts.append(
            f'<details class="group" id="group-{e(g.name)}" data-status="{g.status.label}"{open_}><summary>'
            f'<span class="{g.status.label}">{g.status.label}</span> <b>{e(g.name)}</b> '
            f'<span class="msg">{e(g.description)}{" — " + e(g.skip_reason) if g.skip_reason else ""}</span></summary>'
        )
        for c in g.checks:
            parts += check_html(c)
        parts.append("</details>")
    parts.append("</div>")
    parts.append(
        '<h2>Coverage</h2><table class="cov"><tr><th>descriptor</th><th>exercised</th>'
        "<th>outcome</th><th>why not exercised</th></tr>"
    )
    for row in report.coverage:
        pad = "&nbsp;" * 4 * _indent(row.level)
        parts.append(
            f"<tr><td>{pad}{e(row.path)}</td><td>{row.exercised}</td><td>{e(row.outcome)}</td>"
            f"<td>{e(row.reason if not row.exercised else '')}</td></tr>"
        )
    parts.append("</table></body></html>")
    return "\n".join(parts) + "\n"
