"""Report writers: terminal summary and coverage table, JUnit XML, JSON, single-file HTML."""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from typing import TextIO

from specgen.checker.results import Report, Status

_MARK = {Status.PASS: "PASS", Status.SKIP: "SKIP", Status.FAIL: "FAIL", Status.ERROR: "ERROR"}


# -- terminal -------------------------------------------------------------------------------------


def summary_text(report: Report, coverage_table: bool = True) -> str:
    out = [f"specgen check {report.target} (set {report.set_name}, repository {report.repository})", ""]
    for g in report.groups:
        out.append(f"{_MARK[g.status]:5} {g.name}" + (f"  ({g.skip_reason})" if g.skip_reason else ""))
        for c in g.checks:
            if c.status != Status.PASS:
                out.append(f"      {_MARK[c.status]:5} {c.name}: {c.message}")
    if coverage_table:
        out += ["", coverage_text(report)]
    counts = report.counts()
    req = report.coverage_ratio("request")
    resp = report.coverage_ratio("response")
    out += [
        "",
        *(f"note: {n}" for n in report.notes),
        f"{report.status.label.upper()}: "
        + ", ".join(f"{v} {k.lower()}" for k, v in counts.items())
        + f"; request descriptors exercised {req[0]}/{req[1]}, responses {resp[0]}/{resp[1]}"
        + f"; {report.duration:.2f}s",
    ]
    return "\n".join(out)


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
            if c.status == Status.FAIL:
                ET.SubElement(case, "failure", message=c.message, type="Fail").text = c.message
            elif c.status == Status.ERROR:
                ET.SubElement(case, "error", message=c.message, type="Error").text = c.message
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
.msg{color:#555;overflow-wrap:anywhere} .cov td:nth-child(2){text-align:right}
"""


def to_html(report: Report) -> str:
    e = html.escape
    counts = report.counts()
    req, resp = report.coverage_ratio("request"), report.coverage_ratio("response")
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
    parts.append("<h2>Results</h2>")
    for g in report.groups:
        open_ = " open" if g.status >= Status.FAIL else ""
        parts.append(
            f'<details class="group" id="group-{e(g.name)}"{open_}><summary>'
            f'<span class="{g.status.label}">{g.status.label}</span> <b>{e(g.name)}</b> '
            f'<span class="msg">{e(g.description)}{" — " + e(g.skip_reason) if g.skip_reason else ""}</span></summary>'
        )
        for c in g.checks:
            parts.append(
                f'<details class="check" data-status="{c.status.label}"><summary>'
                f'<span class="{c.status.label}">{c.status.label}</span> {e(c.name)} '
                f'<span class="msg">{e(c.message)}</span></summary>'
            )
            for r in c.records:
                parts.append(f'<pre class="transcript">{e(r.transcript())}</pre>')
            parts.append("</details>")
        parts.append("</details>")
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
