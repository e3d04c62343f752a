"""The conformance checker's parts that need no real registry: results, auth, redaction, reports, CLI
errors. The runs against real registries are in test_conformance_interop.py."""

import http.server
import json
import socket
import threading
import xml.etree.ElementTree as ET

import httpx
import pytest

from specgen.checker import reports
from specgen.checker.results import Check, CoverageRow, Group, Record, Report, Status
from specgen.checker.runner import selected
from specgen.checker.session import REDACTED, Session, parse_challenge
from specgen.cli import main


def _record(secret="s3cret"):
    return Record("GET", "http://r/v2/", [("Authorization", REDACTED), ("Accept", "*/*")], b"", 401,
                  [("WWW-Authenticate", 'Bearer realm="http://t/token"')], b'{"errors":[]}',
                  descriptor="base/GET/-/401 Authentication Required")


def _report():
    ok = Check("GET /v2/ answers 200", records=[_record()])
    bad = Check("PUT completes", Status.FAIL, "header Content-Range is missing", [_record()])
    skip = Check("DELETE answers 202", Status.SKIP, "the registry does not allow deletes")
    err = Check("(checker could not proceed)", Status.ERROR, "boom <&>")
    groups = [Group("base", checks=[ok]), Group("blob", checks=[ok, bad, skip]), Group("delete", checks=[skip]),
              Group("broken", checks=[ok, err]), Group("catalog", skip_reason="the set has no catalog route")]
    cov = [CoverageRow("route", "base", 2), CoverageRow("request", "base/GET/-", 2),
           CoverageRow("response", "base/GET/-/429", 0, reason="needs a rate-limited registry")]
    return Report("http://r", "registry_v2", "specgen-conformance/x", groups, cov, 1.5)


def test_group_status_is_worst_child():
    r = _report()
    assert [g.status for g in r.groups] == [Status.PASS, Status.FAIL, Status.SKIP, Status.ERROR, Status.SKIP]
    assert r.status == Status.ERROR
    assert r.counts() == {"Pass": 3, "Skip": 3, "Fail": 1, "Error": 1}
    assert r.coverage_ratio("request") == (1, 1) and r.coverage_ratio("response") == (0, 1)


def test_group_selection_globs():
    assert selected("blob-chunked", ["blob-*"], [])
    assert not selected("tags", ["blob-*"], [])
    assert not selected("blob-chunked", [], ["blob-ch*"])


def test_parse_challenge():
    scheme, params = parse_challenge('Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull,push"')
    assert scheme == "bearer"
    assert params == {"realm": "https://auth.example/token", "service": "reg", "scope": "repository:a/b:pull,push"}
    assert parse_challenge('Basic realm="x"') == ("basic", {"realm": "x"})


def _mock_registry(require: str):
    """A transport answering /v2/ only with the right credentials, and a token endpoint."""
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, request.headers.get("Authorization"), dict(request.url.params)))
        auth = request.headers.get("Authorization")
        if request.url.path == "/token":
            if auth != httpx.BasicAuth("u", "p")._auth_header:
                return httpx.Response(401)
            return httpx.Response(200, json={"token": "tok-" + request.url.params["scope"]})
        if require == "bearer" and auth == "Bearer tok-registry:catalog:*":
            return httpx.Response(200, json={})
        if require == "basic" and auth == httpx.BasicAuth("u", "p")._auth_header:
            return httpx.Response(200, json={})
        challenge = ('Bearer realm="http://r/token",service="r",scope="registry:catalog:*"'
                     if require == "bearer" else 'Basic realm="r"')
        return httpx.Response(401, headers={"WWW-Authenticate": challenge}, json={"errors": []})

    return httpx.MockTransport(handler), seen


@pytest.mark.parametrize("scheme", ["bearer", "basic"])
def test_auth_answers_challenges_and_transcripts_are_redacted(scheme):
    transport, seen = _mock_registry(scheme)
    session = Session("http://u:p@r", user="u", password="p", transport=transport)
    ex, record = session.send("GET", "/v2/")
    assert ex.status == 200
    assert seen[0][1] is None  # first try without credentials, then answer the challenge
    if scheme == "bearer":
        assert seen[1][0] == "/token" and seen[1][2] == {"service": "r", "scope": "registry:catalog:*"}
        ex, _ = session.send("GET", "/v2/")  # token cached: one request this time
        assert ex.status == 200 and len(seen) == 4 and seen[3][1] == "Bearer tok-registry:catalog:*"
    assert dict(record.request_headers)["authorization"] == REDACTED
    assert "p@" not in record.url and "u:p" not in record.transcript()
    assert "Basic dTpw" not in json.dumps(record.to_json())


def test_wrong_credentials_end_with_the_401():
    transport, seen = _mock_registry("bearer")
    session = Session("http://r", user="u", password="wrong", transport=transport)
    ex, _ = session.send("GET", "/v2/")
    assert ex.status == 401 and ex.url == "http://r/v2/" and "www-authenticate" in {k.lower() for k in ex.response_headers}
    assert [s[0] for s in seen] == ["/v2/", "/token", "/v2/"]


def test_junit_parses_and_has_the_structure():
    root = ET.fromstring(reports.to_junit(_report()))
    assert root.tag == "testsuites" and root.get("failures") == "1" and root.get("errors") == "1"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["base", "blob", "delete", "broken", "catalog"]
    blob = suites["blob"]
    assert blob.get("tests") == "3" and blob.get("failures") == "1" and blob.get("skipped") == "1"
    failed = [c for c in blob.findall("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["PUT completes"]
    assert "Content-Range" in failed[0].find("failure").get("message")
    assert "WWW-Authenticate" in failed[0].find("system-out").text
    assert suites["catalog"].find("testcase/skipped").get("message") == "the set has no catalog route"
    assert suites["broken"].find("testcase/error") is not None


def test_junit_validates_with_junitparser():
    junitparser = pytest.importorskip("junitparser", reason="junitparser (test extra) not installed")
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False) as fh:
        fh.write(reports.to_junit(_report()))
    xml = junitparser.JUnitXml.fromfile(fh.name)
    cases = [case for suite in xml for case in suite]
    assert len(cases) == 8
    assert sum(1 for c in cases if c.result and isinstance(c.result[0], junitparser.Failure)) == 1


def test_json_and_html_reports():
    doc = json.loads(reports.to_json(_report()))
    assert doc["status"] == "Error" and doc["groups"][1]["checks"][1]["status"] == "Fail"
    assert doc["groups"][1]["checks"][0]["exchanges"][0]["descriptor"].startswith("base/GET")
    html = reports.to_html(_report())
    assert html.startswith("<!DOCTYPE html>") and "boom &lt;&amp;&gt;" in html
    assert html.count('<pre class="transcript">') == 4  # each once, though failures are also listed first
    assert "needs a rate-limited registry" in html


def test_summary_lists_failures_first_and_coverage_only_on_request():
    text = reports.summary_text(_report())
    assert "FAIL  blob / PUT completes" in text and "header Content-Range is missing" in text
    assert text.index("Failures (2):") < text.index("Skipped") < text.index("Distinct departures")
    assert "> GET /v2/" in text and "< 401" in text  # the exchange that shows it
    assert "needs a rate-limited registry" not in text  # the coverage table only with --coverage
    assert "needs a rate-limited registry" in reports.summary_text(_report(), coverage_table=True)
    assert text.splitlines()[-1].startswith("ERROR: 3 pass, 3 skip, 1 fail, 1 error")
    # each group once: no group line of its own (the progress printed those)
    assert not [line for line in text.splitlines() if line.strip() in ("PASS  base", "FAIL  blob")]
    verbose = reports.summary_text(_report(), verbose=True, transcripts="/tmp/t.log")
    assert "< WWW-Authenticate: Bearer" in verbose and "transcripts of every exchange: /tmp/t.log" in verbose


def _many_failures() -> Report:
    long_url = "http://r/v2/specgen-conformance/x/" + "n" * 300 + "/manifests/latest"
    checks = []
    for i in range(15):
        rec = Record("PUT", f"http://r/v2/specgen-conformance/x/blobs/uploads/{i}?digest=sha256:{i:064x}", [], b"",
                     201, [("Content-Length", "0")], b"")
        checks.append(Check(f"push {i}", Status.FAIL,
                            "blob-upload-chunk/PUT/-/201 Upload Complete: declared header Content-Range is missing",
                            [rec]))
    body = json.dumps({"errors": [{"code": "UNKNOWN", "detail": "x" * 5000}]}).encode()
    big = Record("GET", long_url, [], b"", 500, [("Content-Type", "application/json")], body)
    checks.append(Check("invalid name", Status.FAIL,
                        f"GET {long_url[8:]}: expected 400 NAME_INVALID, got 500 UNKNOWN; "
                        f"PUT {long_url[8:]}: expected 400 NAME_INVALID, got 500 UNKNOWN", [big]))
    return Report("http://r", "registry_v2", "specgen-conformance/x", [Group("g", checks=checks)])


def test_departures_are_grouped_by_cause_with_counts_and_checks():
    from specgen.checker.diagnosis import departures

    causes = departures(_many_failures())
    assert [d.count for d in causes] == [15, 2]
    assert len(causes[0].checks) == 15 and causes[1].where == ["GET", "PUT"]
    text = reports.summary_text(_many_failures())
    assert text.count("declared header Content-Range is missing") == 15 + 1  # each failure, and once in the summary
    assert "Distinct departures: 2 cause(s) over 16 failing check(s)" in text
    assert max(len(line) for line in text.splitlines()) < 400  # long names and bodies elided
    assert "(300 chars)" in text


def test_a_page_message_does_not_contradict_itself():
    from specgen.checker.scenarios.steps import _brief

    assert _brief([f"r{i}" for i in range(7)]) == "7 entries: 'r0', 'r1', 'r2', 'r3', ..."
    assert _brief([]) == "no entries"


def test_html_report_opens_failures_links_them_and_has_a_failures_only_view(registry_v2):
    html = reports.to_html(_report(), registry_v2)
    assert '<section id="failures">' in html and 'href="#check-2"' in html
    assert 'id="check-2" data-status="Fail" open' in html
    assert '<input type="checkbox" id="failures-only" checked>' in html
    assert "#failures-only:checked ~ #results" in html
    # each exchange with a descriptor links to its response in the API reference
    assert 'api.html#base-get-1-failure-' in html


def test_response_anchors_are_the_api_reference_ids(registry_v2):
    from specgen.checker.apilinks import response_anchor
    from specgen.layout import BUILD

    page = (BUILD / "registry_v2" / "api.html").read_text(encoding="utf-8")
    for descriptor in ("blob-upload-chunk/PUT/-/201 Upload Complete", "tags/GET/Tags Paginated/200",
                       "manifest/GET/-/404 No Such Repository Error", "base/GET/-/401 Authentication Required"):
        anchor = response_anchor(registry_v2, descriptor)
        assert anchor and f'id="{anchor}"' in page, descriptor
    assert response_anchor(registry_v2, "nosuch/GET/-/200") is None
    # an undeclared status links to its request, which lists the declared ones
    anchor = response_anchor(registry_v2, "blob-upload/POST/Initiate Monolithic Blob Upload/202")
    assert anchor and anchor.startswith("blob-upload-post-") and f'id="{anchor}"' in page


def test_only_and_skip_refuse_names_matching_no_group(capsys):
    assert main(["check", "http://127.0.0.1:1", "--only", "nosuch*"]) == 2
    assert "--only 'nosuch*' matches no group" in capsys.readouterr().err
    assert main(["check", "http://127.0.0.1:1", "--skip", "blob-nope"]) == 2
    assert "--skip 'blob-nope' matches no group" in capsys.readouterr().err
    assert main(["check", "http://127.0.0.1:1", "--read-only", "Bad Ref"]) == 2
    assert "is not an image reference" in capsys.readouterr().err
    assert main(["check", "http://127.0.0.1:1", "--read-only", "repo"]) == 2
    assert "names no tag or digest" in capsys.readouterr().err


def test_list_prints_groups_and_their_checks(capsys):
    from specgen.checker.scenarios import SCENARIOS

    assert main(["check", "--list"]) == 0
    out = capsys.readouterr().out
    for sc in SCENARIOS:
        assert f"{sc.name}: " in out
    assert "    PATCH first chunk" in out and "    tags list holds them in lexical order" in out
    assert "pull-image: " in out and "[--read-only runs only]" in out


# -- CLI errors: exit 2 and a message, never a traceback --------------------------------------------


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_check_unreachable_url(capsys):
    code = main(["check", f"http://127.0.0.1:{_free_port()}", "--set", "registry_v2"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot reach a registry" in err and "Traceback" not in err


class _NotARegistry(http.server.BaseHTTPRequestHandler):
    status = 404

    def do_GET(self):  # noqa: N802
        body = b"<html>hello</html>"
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _HtmlEverywhere(_NotARegistry):
    status = 200


@pytest.mark.parametrize("handler", [_NotARegistry, _HtmlEverywhere])
def test_check_non_registry_url(capsys, handler):
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        code = main(["check", f"http://127.0.0.1:{server.server_port}", "--set", "registry_v2"])
    finally:
        server.shutdown()
        server.server_close()
    err = capsys.readouterr().err
    assert code == 2 and "does not look like a registry" in err


def test_check_usage_errors(capsys):
    assert main(["check", "ftp://x", "--set", "registry_v2"]) == 2
    assert main(["check", "http://x", "--password", "p", "--set", "registry_v2"]) == 2
    assert "--password needs --user" in capsys.readouterr().err
    assert main(["check", "http://127.0.0.1:1", "--repo", "Bad/Name"]) == 2
    assert "not a valid repository name" in capsys.readouterr().err


def test_check_refuses_a_set_without_registry_routes(capsys):
    assert main(["check", "http://127.0.0.1:1", "--set", "synthetic:SYNTHETIC_SET"]) == 2
    assert "lacks the registry routes" in capsys.readouterr().err


# -- Context and coverage on the synthetic set: nothing registry-specific in them -------------------


def _context(synthetic_set, status, body=b"", headers=None):
    from specgen.checker.context import Context, Ledger

    def handler(request):
        return httpx.Response(status, headers=headers or {}, content=body)

    session = Session("http://h", transport=httpx.MockTransport(handler))
    exercises = []
    ctx = Context(session, synthetic_set, "repo", Ledger(), exercises, credentials=False)
    ctx.group = Group("g")
    return ctx, exercises


def test_decline_is_a_skip_only_when_declared(synthetic_set):
    from specgen.checker.context import Declined, StepFailed

    busy = json.dumps({"errors": [{"code": "BUSY", "message": "later"}]}).encode()
    ctx, exercises = _context(synthetic_set, 503, busy, {"Content-Type": "application/json"})
    with pytest.raises(Declined):
        with ctx.check("delete"):
            ctx.call("DELETE", "/api/a/widgets/1", expect=202, decline={503: "the shelf is busy"})
    check = ctx.group.checks[0]
    assert check.status == Status.SKIP and "the shelf is busy" in check.message
    assert exercises[0].response == "503 Busy" and not exercises[0].failed

    ctx, _ = _context(synthetic_set, 500, b"oops")
    with pytest.raises(StepFailed):
        with ctx.check("delete"):
            ctx.call("DELETE", "/api/a/widgets/1", expect=202, decline={500: "nope"})
    check = ctx.group.checks[0]
    assert check.status == Status.FAIL and "status 500 not declared" in check.message


def test_soft_calls_and_independent_checks_keep_going(synthetic_set):
    ctx, exercises = _context(synthetic_set, 404, json.dumps({"errors": [{"code": "WIDGET_UNKNOWN"}]}).encode(),
                              {"Content-Type": "application/json"})
    with ctx.check("several", independent=True):
        ctx.call("DELETE", "/api/a/widgets/1", expect=202, soft=True)
        ctx.call("DELETE", "/api/a/widgets/2", expect=404, codes=("WIDGET_UNKNOWN",))
        ctx.call("DELETE", "/api/a/widgets/3", expect=202)
    with ctx.check("after"):
        pass
    first, after = ctx.group.checks
    assert first.status == Status.FAIL and len(first.records) == 3
    assert first.message.count("expected 202") == 2 and after.status == Status.PASS
    assert len(exercises) == 3


def test_coverage_rows_for_any_set(synthetic_set):
    from specgen.checker.context import Exercise
    from specgen.checker.runner import coverage

    rows = coverage(synthetic_set, [Exercise("widget", "DELETE", "-", "202", False),
                                    Exercise("widget", "DELETE", "-", "503 Busy", True)])
    by = {r.path: r for r in rows}
    assert by["widget"].exercised == 2 and by["widget"].failed == 1
    assert by["widget/DELETE/-/202"].outcome == "passed"
    assert by["widget/DELETE/-/503 Busy"].outcome == "failed"
    assert by["widgets/GET/List Widgets"].outcome == "not exercised"
    assert [r.level for r in rows].count("request") == 3


def test_fixed_token_is_sent_and_redacted():
    seen = []

    def handler(request):
        seen.append(request.headers.get("Authorization"))
        return httpx.Response(200, json={})

    session = Session("http://r", token="abc.def", transport=httpx.MockTransport(handler))
    _, record = session.send("GET", "/v2/")
    assert seen == ["Bearer abc.def"] and "abc.def" not in record.transcript()


class _Tty:
    def __init__(self):
        self.text = ""

    def isatty(self):
        return True

    def write(self, s):
        self.text += s

    def flush(self):
        pass


def test_progress_on_a_tty_rewrites_the_running_line():
    out = _Tty()
    progress = reports.TerminalProgress(out)
    progress.group_started(1, 2, "blob")
    assert out.text.endswith("[1/2] blob ...")
    progress.group_finished(_report().groups[1])
    assert "\r\x1b[K" in out.text and out.text.rstrip().endswith("FAIL  blob .Fs (0.00s)")


def test_a_registry_going_away_stops_the_run(registry_v2):
    from specgen.checker import run

    def handler(request):
        if request.url.path == "/v2/":
            return httpx.Response(200, json={}, headers={"Docker-Distribution-API-Version": "registry/2.0"})
        raise httpx.ConnectError("connection refused", request=request)

    report = run("http://r", registry_v2, transport=httpx.MockTransport(handler))
    assert "stopped answering during blob-monolithic" in report.aborted
    assert [g.name for g in report.groups] == ["base", "blob-monolithic"]
    assert report.groups[1].status == Status.ERROR and report.status == Status.ERROR


# -- which bundled set the answers fit (specgen.checker.fit) -------------------------------------

_SUBJECT = "sha256:" + "1" * 64


def _fit_report(*records: Record) -> Report:
    return Report("http://r", "x", "specgen-conformance/x", [Group("g", checks=[Check("c", records=list(records))])])


def _referrers(status: int, headers: list[tuple[str, str]], body: bytes) -> Record:
    return Record("GET", f"http://r/v2/a/referrers/{_SUBJECT}", [("Host", "r")], b"", status, headers, body)


def test_fit_hint_names_the_set_without_the_route_a_registry_lacks(registry_v2):
    """A registry answering referrers with the router's plain 404 fits a set without that route."""
    from specgen.checker.fit import best_fit, departures
    from specgen.descriptors import load_set

    oci = load_set("oci_v1_1")
    plain404 = _referrers(404, [("Content-Type", "text/plain; charset=utf-8")], b"404 page not found\n")
    assert departures([plain404], oci) == 1 and departures([plain404], registry_v2) == 0
    hint = best_fit(_fit_report(plain404), oci, [registry_v2])
    assert str(hint) == "hint: answers fit set registry_v2 better (0 vs 1 departures); try --set registry_v2"


def test_fit_hint_names_the_set_declaring_the_answers(registry_v2):
    """A registry answering a route only the extension declares fits the extension."""
    from specgen.checker.fit import best_fit, departures
    from specgen.descriptors import load_set
    from specgen.distribution.mediatypes import OCI_INDEX

    oci = load_set("oci_v1_1")
    body = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}).encode()
    index = _referrers(200, [("Content-Type", OCI_INDEX), ("Content-Length", str(len(body)))], body)
    assert departures([index], oci) == 0 and departures([index], registry_v2) == 1
    assert best_fit(_fit_report(index), registry_v2, [oci]) == ("oci_v1_1", 0, 1)
    # no hint when the run's set fits as well or better, or has nothing to improve on
    assert best_fit(_fit_report(index), oci, [registry_v2]) is None
    assert best_fit(_fit_report(index, index), registry_v2, []) is None
