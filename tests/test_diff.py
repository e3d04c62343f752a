"""``specgen diff``: the changes v2.0.0 → v2.8.2 → main list every difference the oracle README
counts (counted here from the sets themselves, the way the README counts them), each under a rule."""

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from specgen.descriptors import load_set
from specgen.diff import LEVELS, RULES, diff_sets
from specgen.diff.render import markdown

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sets():
    return {n: load_set(n) for n in ("registry_v2_0_0", "registry_v2_8_2", "registry_v2")}


@pytest.fixture(scope="module")
def early(sets):
    return diff_sets(sets["registry_v2_0_0"], sets["registry_v2_8_2"])


@pytest.fixture(scope="module")
def late(sets):
    return diff_sets(sets["registry_v2_8_2"], sets["registry_v2"])


def _walk(dset):
    for r in dset.routes:
        for m in r.methods or ():
            for q in m.requests or ():
                for kind in ("successes", "failures"):
                    for s in getattr(q, kind) or ():
                        yield r, m, q, kind, s


def _methods(dset):
    return {(r.name, m.method) for r in dset.routes for m in r.methods or ()}


def _of(changes, rule):
    return [c for c in changes if c.rule == rule]


# -- v2.0.0 -> v2.8.2 ----------------------------------------------------------------------------


def test_early_routes_methods_requests(early, sets):
    new = sets["registry_v2_8_2"]
    assert [c.route for c in _of(early, "route-added")] == ["catalog"]
    assert _of(early, "route-removed") == _of(early, "method-removed") == []
    added_methods = {(c.route, c.method) for c in _of(early, "method-added")}
    added_methods |= {("catalog", m.method) for m in new.route("catalog").methods}
    assert added_methods == {("blob", "DELETE"), ("catalog", "GET")}
    # requests: named ones added, plus those of the added methods; the unnamed ones they replaced
    added = [(c.route, c.method, c.request) for c in _of(early, "request-added")]
    added += [(r, m, q.name) for r, m in sorted(added_methods)
              for q in [x for x in new.route(r).methods if x.method == m][0].requests]
    assert len(added) == 8
    assert sorted(added) == sorted([
        ("tags", "GET", "Tags"), ("tags", "GET", "Tags Paginated"),
        ("blob-upload-chunk", "PATCH", "Stream upload"), ("blob-upload-chunk", "PATCH", "Chunked upload"),
        ("blob-upload", "POST", "Mount Blob"), ("blob", "DELETE", ""),
        ("catalog", "GET", "Catalog Fetch"), ("catalog", "GET", "Catalog Fetch Paginated")])
    assert [(c.route, c.method, c.request) for c in _of(early, "request-removed")] == [
        ("tags", "GET", ""), ("blob-upload-chunk", "PATCH", "")]


def test_early_manifest_put_status(early):
    assert [(c.route, c.method, c.old, c.new) for c in _of(early, "response-status-changed")] == [
        ("manifest", "PUT", 202, 201)]


def test_early_responses_by_method_and_name(early, sets):
    """48 added and 5 removed by (route, method, kind, name) among the methods both have: each is
    a response added (or removed) in the diff."""
    old, new = sets["registry_v2_0_0"], sets["registry_v2_8_2"]
    both = _methods(old) & _methods(new)

    def keys(dset):
        return {(r.name, m.method, k, s.name) for r, m, q, k, s in _walk(dset) if (r.name, m.method) in both}

    added, removed = keys(new) - keys(old), keys(old) - keys(new)
    assert (len(added), len(removed)) == (48, 5)
    kind = {"successes": "success", "failures": "failure"}

    def reported(suffix):
        """(route, method, kind, name) of responses added/removed alone or with their request."""
        out = {(c.route, c.method, c.rule.split("-")[0], c.response.split("'")[1] if "'" in c.response else "")
               for c in early if c.rule.endswith(suffix) and c.response}
        for c in _of(early, f"request{suffix}"):
            dset = new if suffix == "-added" else old
            method = [m for m in dset.route(c.route).methods if m.method == c.method][0]
            request = [q for q in method.requests if q.name == c.request][0]
            out |= {(c.route, c.method, kind[k], s.name) for k in kind for s in getattr(request, k) or ()}
        return out

    assert {(r, m, kind[k], n) for r, m, k, n in added} <= reported("-added")
    assert {(r, m, kind[k], n) for r, m, k, n in removed} <= reported("-removed")
    assert "Invalid Name or Tag" in {n for *_, n in removed}
    assert "Invalid Name or Reference" in {n for *_, n in added}


def test_early_status_sets(early, sets):
    """12 per-method success or failure status sets changed; each change of one is reported."""
    old, new = sets["registry_v2_0_0"], sets["registry_v2_8_2"]

    def statuses(dset):
        out = {}
        for r, m, _q, k, s in _walk(dset):
            out.setdefault((r.name, m.method, k), set()).add(s.status_code)
        return out

    a, b = statuses(old), statuses(new)
    changed = {k for k in a if k in b and a[k] != b[k]}
    assert len(changed) == 12
    assert a[("blob-upload-chunk", "PUT", "failures")] - b[("blob-upload-chunk", "PUT", "failures")] == {416}
    for route, method, kind in changed:
        for status in a[(route, method, kind)] ^ b[(route, method, kind)]:
            assert any(c.route == route and c.method == method
                       and (c.rule == "request-added" or status in (c.old, c.new))
                       and c.rule in ("success-added", "success-removed", "failure-added", "failure-removed",
                                      "response-status-changed", "request-added", "request-removed")
                       for c in early), (route, method, kind, status)


def test_early_error_codes(early):
    assert sorted(c.new for c in _of(early, "error-code-added")) == [
        "DENIED", "MANIFEST_BLOB_UNKNOWN", "PAGINATION_NUMBER_INVALID", "TOOMANYREQUESTS", "UNAVAILABLE"]
    assert _of(early, "error-code-removed") == []
    assert [(c.item, c.old, c.new) for c in _of(early, "error-code-message-changed")] == [
        ("error code UNAUTHORIZED", "access to the requested resource is not authorized", "authentication required")]
    status = {c.item.split()[-1]: (c.old, c.new) for c in _of(early, "error-code-status-changed")}
    assert status == {
        "BLOB_UNKNOWN": ([400, 404], [404]), "DIGEST_INVALID": ([400, 404], [400]),
        "NAME_INVALID": ([400, 404], [400]), "TAG_INVALID": ([400, 404], [400]),
        "UNKNOWN": ([], [500]), "UNSUPPORTED": ([], [405]), "UNAUTHORIZED": ([], [401])}


def test_early_headers(early, sets):
    old, new = sets["registry_v2_0_0"], sets["registry_v2_8_2"]
    # request headers: blob DELETE's two come with the added method; PUT's Content-Range went
    assert [(c.route, c.method, c.item) for c in _of(early, "request-parameter-removed")] == [
        ("blob-upload-chunk", "PUT", "header Content-Range")]
    # response headers by (route, method, status, name): 49 added, 5 removed, each reported
    def locations(dset):
        return {(r.name, m.method, s.status_code, h.name) for r, m, q, k, s in _walk(dset) for h in s.headers or ()}

    added, removed = locations(new) - locations(old), locations(old) - locations(new)
    assert (len(added), len(removed)) == (49, 5)
    assert {n for *_, n in added} - {n for *_, n in locations(old)} == {"Link"}
    new_methods = _methods(new) - _methods(old)
    for route, method, status, name in added:
        assert (route, method) in new_methods or any(
            c.route == route and c.method == method
            and (c.rule == "request-added" or (str(status) in c.response or status in (c.old, c.new))
                 and (c.item == f"response header {name}" or c.rule in ("failure-added", "success-added",
                                                                        "response-status-changed")))
            for c in early), (route, method, status, name)
    for route, method, status, name in removed:
        assert any(c.route == route and c.method == method
                   and (c.item == f"response header {name}" or c.rule in ("failure-removed", "success-removed",
                                                                          "response-status-changed", "request-removed"))
                   for c in early), (route, method, status, name)


def test_early_paths(early):
    assert len(_of(early, "route-path-changed")) == 5


# -- v2.8.2 -> main -------------------------------------------------------------------------------


def test_late_structure_unchanged(late):
    structural = {"route-added", "route-removed", "method-added", "method-removed", "request-added",
                  "request-removed", "success-added", "success-removed", "failure-added", "failure-removed"}
    assert [c for c in late if c.rule in structural] == []
    assert _of(late, "route-entity-changed") == []


def test_late_status_codes(late):
    assert sorted((c.route, c.method, c.request, c.old, c.new) for c in _of(late, "response-status-changed")) == [
        ("blob-upload-chunk", "PATCH", "Chunked upload", 204, 202),
        ("blob-upload-chunk", "PATCH", "Stream upload", 204, 202),
        ("blob-upload-chunk", "PUT", "", 204, 201)]
    for c in _of(late, "response-status-changed"):
        assert (c.clients, c.servers) == ("breaking", "breaking")


def test_late_error_codes_and_bodies(late):
    assert [c.new for c in _of(late, "error-code-added")] == ["RANGE_INVALID"]
    assert [c for c in late if c.rule.startswith("error-code") and c.rule != "error-code-added"] == []
    charset = _of(late, "response-body-type-parameters-changed")
    assert len(charset) == 91
    assert {(c.old, c.new) for c in charset} == {("application/json; charset=utf-8", "application/json")}
    typo = [c for c in _of(late, "response-body-format-changed") if '"errors:"' in c.old]
    assert len(typo) == 89
    assert all('"errors:"' not in c.new for c in typo)


def test_late_other_values(late):
    grammar = {c.item for c in late if c.rule.startswith("grammar-pattern")}
    assert {"pattern Reference.NameRegexp", "pattern Digest.DigestRegexp"} <= grammar
    assert [c.item for c in _of(late, "parameter-order-changed")] == ["response headers"]
    assert ("response header Range", "0-0", "0-<offset>") in {
        (c.item, c.old, c.new) for c in _of(late, "parameter-format-changed")}
    n = [c for c in _of(late, "parameter-description-changed") if c.item == "query n"]
    assert len(n) == 2 and all("100 entries" in c.new and "all entries" in c.old for c in n)
    deletes = [c for c in late if c.route == "manifest" and c.method == "DELETE" and "description" in c.rule]
    assert len(deletes) == 3 and all("tag" in c.new for c in deletes)


# -- rules, outputs, CLI ---------------------------------------------------------------------------


def test_every_rule_has_levels_and_a_documented_example():
    docs = (ROOT / "docs" / "diff.md").read_text(encoding="utf-8")
    for rule in RULES.values():
        assert rule.clients in LEVELS and rule.servers in LEVELS
        section = docs.split(f"### `{rule.name}`", 1)
        assert len(section) == 2, f"docs/diff.md has no section for {rule.name}"
        assert "Example" in section[1].split("### ", 1)[0], rule.name


def test_no_change_between_a_set_and_itself(sets):
    assert diff_sets(sets["registry_v2"], sets["registry_v2"]) == []


def test_go_dumps_compare_as_the_sets_do(oracles, early, late):
    versions = oracles / "versions"
    files = [versions / "registry-v2-descriptors@v2.0.0.json", versions / "registry-v2-descriptors@v2.8.2.json",
             oracles / "registry-v2-descriptors.json"]
    if not all(f.exists() for f in files):
        return  # the sets are pinned against these dumps by test_versions; nothing more to compare
    a, b, c = (load_set(str(f)) for f in files)
    assert diff_sets(a, b) == early
    assert diff_sets(b, c) == late
    detail = Counter(ch.rule for ch in early) + Counter(ch.rule for ch in late)
    print("\n".join(f"{rule}: {n}" for rule, n in detail.most_common()))  # shown with -s


def _run(*args):
    return subprocess.run([sys.executable, "-m", "specgen", "diff", *args], capture_output=True, text=True,
                          timeout=120)


def test_cli_formats_and_fail_on(tmp_path):
    proc = _run("registry_v2_8_2", "registry_v2", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["counts"]["both"]["breaking"] == 4 and len(data["changes"]) == sum(data["counts"]["both"].values())
    proc = _run("registry_v2_8_2", "registry_v2", "--format", "junit", "--fail-on", "breaking")
    assert proc.returncode == 1
    root = ET.fromstring(proc.stdout)
    assert root.get("failures") == "4" and len(root.iter("testcase").__next__().attrib) >= 2
    proc = _run("registry_v2_8_2", "registry_v2", "--fail-on", "breaking", "--side", "clients",
                "--format", "markdown", "--out", str(tmp_path / "changes.md"))
    assert proc.returncode == 1 and proc.stdout == ""
    text = (tmp_path / "changes.md").read_text(encoding="utf-8")
    assert text.startswith("# Changes from registry_v2_8_2 to registry_v2") and "## Breaking changes" in text
    proc = _run("registry_v2", "oci_v1_1", "--fail-on", "breaking", "--side", "clients", "--format", "json")
    assert proc.returncode == 1  # OCI v1.1 requires the upload's digest and the mount's from
    breaking = [c for c in json.loads(proc.stdout)["changes"] if c["clients"] == "breaking"]
    assert {(c["rule"], c["item"]) for c in breaking} == {
        ("request-parameter-now-required", "query digest"), ("request-parameter-now-required", "query mount"),
        ("request-parameter-now-required", "query from")}
    assert _run("registry_v2", "registry_v2", "--fail-on", "docs-only").returncode == 0


def test_cli_bad_input_is_one_line(tmp_path):
    proc = _run("no_such_set", "registry_v2")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "unknown descriptor set" in proc.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"RouteDescriptors": [{"Name": 1}]}', encoding="utf-8")
    proc = _run(str(bad), "registry_v2")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_markdown_changelog_groups_by_level(late):
    text = markdown(late, "a", "b")
    order = [text.index(h) for h in ("## Breaking changes", "## Potentially breaking changes",
                                     "## Compatible changes", "## Documentation-only changes")]
    assert order == sorted(order)
