"""`specgen check` against real registries: Debian's docker-registry (distribution 2.8.2), the same
with htpasswd auth, and the reference server `specgen serve`. Reports are opened in real tools."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest
import webdriver

from specgen.checker import Status, reports, run
from specgen.cli import main
from specgen.descriptors import load_set

pytestmark = pytest.mark.interop

DOCS = Path(__file__).resolve().parents[1] / "docs" / "conformance.md"

#: Every way distribution 2.8.2 departs from its own descriptors that the checker reports. Each id
#: is explained, with evidence, in docs/conformance.md; a failure matching none is a checker bug
#: or a new departure to document.
GO_DEPARTURES = {
    "G1": r"blob-upload-chunk/PUT/-/201 Upload Complete: declared header Content-Range is missing",
    "G2": r"blob/DELETE/-/202: declared header Docker-Content-Digest is missing",
    "G3": r"blob-upload/POST/Mount Blob/201: declared header Docker-Upload-UUID is missing",
    "G4": r"Initiate Monolithic Blob Upload/202: status 202 not declared|POST \S+/blobs/uploads/: expected (201|400 DIGEST_INVALID), got 202",
    "G5": r"Mount Blob/202: status 202 not declared",
    "G6": r"manifest/GET/-/404 No Such Repository Error: error code 'MANIFEST_UNKNOWN' not declared",
    "G7": r"manifest/PUT/-/400 Invalid Manifest: error code 'MANIFEST_BLOB_UNKNOWN' not declared"
          r"|expected 201, got 400 MANIFEST_BLOB_UNKNOWN$",
    "G8": r"error code 'BLOB_UPLOAD_INVALID' not declared for this response \(declared: BLOB_UPLOAD_UNKNOWN\)"
          r"|expected error code [A-Za-z_ ]+, got BLOB_UPLOAD_INVALID",
    "G9": r"/500: status 500 not declared|got 500( UNKNOWN)?$",
    "G10": r"malformed HTTP response: RemoteProtocolError: peer closed connection without sending complete message body",
    "G11": r"expected 416, got 202",
    "G12": r"page 1 \(.*\) holds \d+ entries, more than n=\d|n=2&last=\S+ gave \[|n=2&last=\S+ \(the last tag\) gave \[",
    "G13": r"expected 400 PAGINATION_NUMBER_INVALID, got 200",
    "G14": r"(tags list|catalog) is not in lexical order",
    "G15": r"201 Upload Complete: header Docker-Content-Digest: is sha256, but the request named a sha512 digest"
           r"|Location '\S+' names digest 'sha256:\w+', expected 'sha512:",
    "G16": r"manifest/PUT/-/400 Invalid Manifest: error code 'DIGEST_INVALID' not declared"
           r"|PUT \S+/manifests/sha512:\S+: expected 201, got 400 DIGEST_INVALID",
    "G17": r"expected 201, got 500 UNKNOWN UNKNOWN MANIFEST_BLOB_UNKNOWN",
    "G18": r"catalog/GET/Catalog Fetch( Paginated)?/200: declared header Content-Length is missing",
}
#: Departures that show only in some states of the registry (G18: once its catalog outgrows the
#: 2 KiB Go's HTTP server buffers before it sends headers, so the session's earlier tests decide).
GO_CONDITIONAL = {"G18"}


def _failures(report):
    for g in report.groups:
        for c in g.checks:
            if c.status >= Status.FAIL:
                yield g.name, c


def _unexplained(report, departures):
    out = []
    for group, check in _failures(report):
        for part in check.message.split("; "):
            if not any(re.search(p, part) for p in departures.values()):
                out.append(f"{group} / {check.name}: {part}")
    return out


@pytest.fixture(scope="module")
def go_report(docker_registry, tmp_path_factory):
    out = tmp_path_factory.mktemp("go-check")
    code = main(["check", docker_registry, "--set", "registry_v2", "--junit", str(out / "junit.xml"),
                 "--json", str(out / "report.json"), "--html", str(out / "report.html"), "--no-coverage"])
    return code, out, json.loads((out / "report.json").read_text())


def test_go_registry_failures_are_all_documented_departures(docker_registry):
    report = run(docker_registry, load_set("registry_v2"))
    print(reports.summary_text(report))
    assert report.duration < 15, f"a full run took {report.duration:.1f}s"
    assert not [c for _, c in _failures(report) if c.status == Status.ERROR]
    assert _unexplained(report, GO_DEPARTURES) == []
    seen = {k for k, p in GO_DEPARTURES.items() for _, c in _failures(report) if re.search(p, c.message)}
    # every documented departure still shows (else the docs and this table are stale)
    assert seen >= set(GO_DEPARTURES) - GO_CONDITIONAL, f"documented but not seen: {set(GO_DEPARTURES) - seen}"
    doc = DOCS.read_text(encoding="utf-8")
    for key in GO_DEPARTURES:
        assert re.search(rf"^\| {key} \|", doc, re.M), f"{key} is not explained in docs/conformance.md"
    assert report.coverage_ratio("request") == (19, 19)


def test_go_registry_run_cleans_up_and_touches_only_its_repository(docker_registry):
    before = set(httpx.get(f"{docker_registry}/v2/_catalog?n=1000").json()["repositories"])
    report = run(docker_registry, load_set("registry_v2"), only=["blob-post-put", "manifest-oci-image", "tags"])
    after = set(httpx.get(f"{docker_registry}/v2/_catalog?n=1000").json()["repositories"])
    assert all(r == report.repository or r.startswith(report.repository + "/") for r in after - before)
    assert report.repository.startswith("specgen-conformance/")
    cleanup = report.groups[-1]
    assert cleanup.name == "cleanup" and cleanup.checks[0].records
    tags = httpx.get(f"{docker_registry}/v2/{report.repository}/tags/list").json()
    assert not tags.get("tags"), f"tags left behind: {tags}"
    for record in cleanup.checks[0].records:
        assert record.method == "DELETE" and record.status in (202, 204, 404)


def test_go_registry_cli_exit_code_and_reports(go_report):
    code, out, doc = go_report
    assert code == 1 and doc["status"] == "Fail"
    root = ET.parse(out / "junit.xml").getroot()
    assert root.tag == "testsuites"
    cases = root.findall("testsuite/testcase")
    assert len(cases) == sum(len(g["checks"]) or 1 for g in doc["groups"])
    assert int(root.get("failures")) == doc["counts"]["Fail"] > 0
    outs = [c.find("system-out") for c in cases]
    assert all(o is not None and o.text and o.text.startswith("> ") for o in outs if o is not None and o.text)
    junitparser = pytest.importorskip("junitparser", reason="junitparser (test extra) not installed")
    xml = junitparser.JUnitXml.fromfile(str(out / "junit.xml"))
    assert sum(s.tests for s in xml) == len(cases)


def test_html_report_opens_in_chromium_with_each_transcript(go_report, tmp_path):
    why = webdriver.available()
    if why:
        pytest.skip(f"no browser to drive: {why}")
    _, out, doc = go_report
    records = sum(len(c["exchanges"]) for g in doc["groups"] for c in g["checks"])
    browser = webdriver.Browser(tmp_path / "profile")
    try:
        browser.get((out / "report.html").as_uri())
        counts = browser.execute("""
            const checks = document.querySelectorAll('details.check');
            return {checks: checks.length, pres: document.querySelectorAll('pre.transcript').length,
                    title: document.title};""")
        assert counts["checks"] == sum(len(g["checks"]) for g in doc["groups"])
        assert counts["pres"] == records
        # failures are open from the start: a failed check's transcript is visible and names the
        # descriptor, with a link to its response in the API reference
        shown = browser.execute("""
            const c = document.querySelector('details.check[data-status="Fail"]');
            const pre = c.querySelector('pre.transcript');
            const link = c.querySelector('a.api');
            return {h: pre.getBoundingClientRect().height, text: pre.innerText,
                    href: link ? link.getAttribute('href') : ''};""")
        assert shown["h"] > 0 and "= descriptor " in shown["text"] and shown["text"].startswith("> ")
        assert re.search(r"api\.html#[a-z0-9-]+-(get|head|put|post|patch|delete)-\d+(-(success|failure)-\d+)?$",
                         shown["href"])
        # the failures-only view (on, since something failed) shows failing checks only
        views = browser.execute("""
            const visible = () => [...document.querySelectorAll('details.check')]
                .filter(d => d.getClientRects().length > 0 && d.closest('details.group').open
                             && d.closest('details.group').getClientRects().length > 0).length;
            const box = document.getElementById('failures-only');
            const only = visible(); box.click();
            document.querySelectorAll('details.group').forEach(g => g.open = true);
            return {only: only, all: visible(), checked: box.checked};""")
        failing = sum(1 for g in doc["groups"] for c in g["checks"] if c["status"] in ("Fail", "Error"))
        assert views["only"] == failing and views["all"] == counts["checks"] and not views["checked"]
        assert browser.console_errors() == []
    finally:
        browser.close()


def test_htpasswd_registry_with_and_without_credentials(docker_registry_htpasswd, capsys):
    url, user, password = docker_registry_htpasswd
    assert main(["check", url, "--set", "registry_v2", "--only", "base"]) == 2
    assert "requires authentication" in capsys.readouterr().err
    assert main(["check", url, "--set", "registry_v2", "--user", user, "--password", "wrong", "--only", "base"]) == 2
    assert "rejected the credentials" in capsys.readouterr().err
    report = run(url, load_set("registry_v2"), user=user, password=password,
                 only=["base", "blob-post-put", "tags"])
    base = report.groups[0]
    assert [c.status for c in base.checks] == [Status.PASS, Status.PASS]
    row = next(r for r in report.coverage if r.path == "base/GET/-/401 Authentication Required")
    assert row.exercised == 1 and row.failed == 0
    assert _unexplained(report, GO_DEPARTURES) == []
    text = json.dumps(report.to_json()) + reports.to_junit(report) + reports.to_html(report)
    secret = httpx.BasicAuth(user, password)._auth_header.split()[1]
    assert password not in text and secret not in text and "<redacted>" in text


def test_reference_server_passes_with_full_request_coverage(specgen_server_shared):
    for set_name in ("oci_v1_1", "registry_v2"):
        url = specgen_server_shared(set=set_name)
        report = run(url, load_set(set_name))
        print(reports.summary_text(report))
        failed = [f"{g} / {c.name}: {c.message}" for g, c in _failures(report)]
        assert failed == [], "\n".join(failed)
        done, total = report.coverage_ratio("request")
        assert done == total, [r.path for r in report.coverage if r.level == "request" and not r.exercised]
        assert report.duration < 15


HINT = re.compile(r"^hint: answers fit set (\w+) better \((\d+) vs (\d+) departures\); try --set (\w+)$", re.M)


def test_check_hints_at_the_set_the_reference_server_implements(specgen_server_shared, capsys):
    """`specgen check --set registry_v2` against `specgen serve` (oci_v1_1) says, in one line, that
    the answers fit oci_v1_1; with the set the server implements, no hint."""
    url = specgen_server_shared(set="oci_v1_1")
    assert main(["check", url, "--set", "registry_v2", "--no-coverage"]) == 1
    hints = HINT.findall(capsys.readouterr().out)
    assert len(hints) == 1
    better, theirs, ours, suggested = hints[0]
    assert better == suggested == "oci_v1_1" and int(theirs) == 0 < int(ours)
    assert main(["check", url, "--no-coverage"]) == 0
    assert "hint:" not in capsys.readouterr().out


def test_check_hints_at_the_set_docker_registry_answers_fit(docker_registry, capsys):
    """distribution 2.8.2 checked with registry_v2 (its own descriptors): the extension set declares
    the answers it gives beyond them (202 for a declined mount, MANIFEST_UNKNOWN, ...), so its
    answers fit oci_v1_1 with fewer departures, and the checker says so."""
    assert main(["check", docker_registry, "--set", "registry_v2", "--no-coverage"]) == 1
    hints = HINT.findall(capsys.readouterr().out)
    assert len(hints) == 1
    better, theirs, ours, suggested = hints[0]
    assert better == suggested == "oci_v1_1" and int(theirs) < int(ours)


def test_read_only_run_checks_an_image_without_writing(specgen_server_shared):
    """--read-only: after a run that keeps what it pushed, a read-only run of its index (and of an
    image by digest) passes and sends nothing but GET and HEAD."""
    url = specgen_server_shared(set="oci_v1_1")
    pushed = run(url, load_set("oci_v1_1"), only=["manifest-oci-index", "referrers"], skip=["cleanup"])
    assert pushed.status <= Status.SKIP
    for image in (f"{pushed.repository}:oci-index", f"{pushed.repository}:subject"):
        report = run(url, load_set("oci_v1_1"), read_only=image)
        failed = [f"{g} / {c.name}: {c.message}" for g, c in _failures(report)]
        assert failed == [], "\n".join(failed)
        assert [g.name for g in report.groups] == ["base", "pull-image", "pull-tags", "pull-catalog",
                                                   "pull-referrers", "pull-errors"]
        methods = {r.method for g in report.groups for c in g.checks for r in c.records}
        assert methods <= {"GET", "HEAD"}
        blobs = [r for g in report.groups for c in g.checks for r in c.records if "/blobs/sha256:" in r.url]
        assert len(blobs) >= 4  # configs and layers reached through the index


def test_read_only_run_against_docker_registry(docker_registry):
    """A read-only run of an image distribution 2.8.2 holds fails only where a push run does."""
    pushed = run(docker_registry, load_set("registry_v2"), only=["manifest-oci-image"], skip=["cleanup"])
    report = run(docker_registry, load_set("registry_v2"), read_only=f"{pushed.repository}:oci-image")
    assert _unexplained(report, GO_DEPARTURES) == []
    assert {r.method for g in report.groups for c in g.checks for r in c.records} <= {"GET", "HEAD"}


def test_cli_names_the_transcripts_and_prints_failures_first(docker_registry, tmp_path, capsys):
    transcripts = tmp_path / "t.log"
    code = main(["check", docker_registry, "--set", "registry_v2", "--only", "tags", "--transcripts", str(transcripts)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"transcripts of every exchange: {transcripts} (-v prints those of failures)" in out
    assert out.index("Failures (") < out.index("Distinct departures") < out.index("FAIL: ")
    assert "descriptor  " not in out  # no coverage table unless asked
    text = transcripts.read_text()
    first = text.split("\n== ", 2)[1]
    assert first.startswith("FAIL tags / ") and "> GET " in text and "< 200" in text
    assert main(["check", docker_registry, "--set", "registry_v2", "--only", "tags", "-v", "--coverage",
                 "--transcripts", str(transcripts)]) == 1
    out = capsys.readouterr().out
    assert "> user-agent: specgen-check" in out and "descriptor  " in out
