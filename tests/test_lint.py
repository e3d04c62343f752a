"""specgen.lint on the bundled set, the synthetic set and deliberately broken sets."""

import dataclasses
import json

import pytest

from specgen.cli import main
from specgen.descriptors import load_set
from specgen.dump import canonical_json, dump
from specgen.goregexp import GoRegexp
from specgen.lint import ERROR, WARNING, LintFinding, lint, path_variables
from specgen.model import ErrorDescriptor, ParameterDescriptor

#: Every error code distribution lists under a status other than the one it registers (our data).
REGISTRY_V2_WARNINGS = [
    ("manifest/PUT/#0/failures[0] 400", "BLOB_UNKNOWN", 404),
    ("manifest/PUT/#0/failures[5] 400", "BLOB_UNKNOWN", 404),
    ("blob-upload-chunk/GET/#0/failures[0] 400", "BLOB_UPLOAD_INVALID", 404),
    ("blob-upload-chunk/PATCH/Stream upload/failures[0] 400", "BLOB_UPLOAD_INVALID", 404),
    ("blob-upload-chunk/PATCH/Chunked upload/failures[0] 400", "BLOB_UPLOAD_INVALID", 404),
    ("blob-upload-chunk/PUT/#0/failures[0] 400", "BLOB_UPLOAD_INVALID", 404),
    ("blob-upload-chunk/PUT/#0/failures[0] 400", "UNSUPPORTED", 405),
    ("blob-upload-chunk/DELETE/#0/failures[0] 400", "BLOB_UPLOAD_INVALID", 404),
]


def _replace_in(obj, steps, /, **changes):
    """A copy of a frozen descriptor tree with ``changes`` applied at ``steps`` (attrs/indexes)."""
    if not steps:
        return dataclasses.replace(obj, **changes)
    step, rest = steps[0], steps[1:]
    if isinstance(step, int):
        items = list(obj)
        items[step] = _replace_in(items[step], rest, **changes)
        return tuple(items)
    return dataclasses.replace(obj, **{step: _replace_in(getattr(obj, step), rest, **changes)})


def _levels(findings):
    return [(f.level, f.location) for f in findings]


def test_registry_v2_has_no_errors_and_lists_every_status_mismatch():
    findings = list(lint(load_set("registry_v2")))
    assert [f for f in findings if f.level == ERROR] == []
    warnings = [f for f in findings if f.level == WARNING]
    assert [(f.location, f.message.split()[0]) for f in warnings] == [
        (loc, code) for loc, code, _ in REGISTRY_V2_WARNINGS]
    for finding, (_, _code, registered) in zip(warnings, REGISTRY_V2_WARNINGS):
        assert f"registered with status {registered}, listed under 400" in finding.message


def test_synthetic_set_is_clean(synthetic_set):
    assert list(lint(synthetic_set)) == []


def test_duplicate_route_names(synthetic_set):
    broken = dataclasses.replace(synthetic_set, routes=synthetic_set.routes + (synthetic_set.routes[0],))
    assert list(lint(broken)) == [
        LintFinding(ERROR, "widgets", "duplicate route name (routes #0 and #2)")]


def test_path_variable_without_descriptor_and_the_reverse(synthetic_set):
    no_id = _replace_in(synthetic_set, ("routes", 1, "methods", 0, "requests", 0),
                        path_parameters=(synthetic_set.routes[1].methods[0].requests[0].path_parameters[0],))
    assert _levels(lint(no_id)) == [(ERROR, "widget/PUT/Put Widget")]
    assert "'id' has no path parameter descriptor" in next(lint(no_id)).message
    extra = ParameterDescriptor(name="colour", type="string", required=True)
    too_many = _replace_in(synthetic_set, ("routes", 0, "methods", 0, "requests", 0),
                           path_parameters=(synthetic_set.routes[0].methods[0].requests[0].path_parameters[0],
                                            extra))
    assert _levels(lint(too_many)) == [(ERROR, "widgets/GET/List Widgets/path_parameters/colour")]


def test_invalid_status_codes(synthetic_set):
    broken = _replace_in(synthetic_set, ("routes", 1, "methods", 1, "requests", 0, "successes", 0),
                         status_code=700)
    assert list(lint(broken)) == [
        LintFinding(ERROR, "widget/DELETE/#0/successes[0] 700", "invalid HTTP status code 700")]
    broken = _replace_in(synthetic_set, ("routes", 1, "methods", 1, "requests", 0, "successes", 0),
                         status_code=99)
    assert _levels(lint(broken)) == [(ERROR, "widget/DELETE/#0/successes[0] 99")]


def test_unregistered_error_code(synthetic_set):
    stray = ErrorDescriptor("widgets", "WIDGET_MELTED", "melted", "", 404)
    broken = _replace_in(synthetic_set, ("routes", 1, "methods", 1, "requests", 0, "failures", 0),
                         error_codes=(stray,))
    assert list(lint(broken)) == [
        LintFinding(ERROR, "widget/DELETE/#0/failures[0] 404",
                    "error code 'WIDGET_MELTED' is not registered in the set")]
    unregistered = dataclasses.replace(synthetic_set, errors=synthetic_set.errors[:2])
    assert [f.message for f in lint(unregistered)] == [
        "error code 'BUSY' is not registered in the set"] * 3


def test_patterns_that_do_not_compile(synthetic_set):
    route = synthetic_set.routes[0]
    posix = _replace_in(synthetic_set, ("routes", 0), path="/api/{shelf:[[:^alpha:]]+}/widgets")
    (finding,) = lint(posix)
    assert (finding.level, finding.location) == (ERROR, "widgets/{shelf}")
    assert "negated POSIX class" in finding.message
    python = _replace_in(synthetic_set, ("routes", 0), path=route.path.replace("[a-z]+", "[a-z+", 1))
    assert _levels(lint(python)) == [(ERROR, "widgets/{shelf}")]
    as_text = _replace_in(synthetic_set, ("routes", 0, "methods", 0, "requests", 0, "query_parameters", 0),
                          regexp="(unclosed")
    (finding,) = lint(as_text)
    assert finding.location == "widgets/GET/List Widgets/query_parameters/limit"
    assert "does not compile" in finding.message


def test_unbalanced_braces(synthetic_set):
    broken = _replace_in(synthetic_set, ("routes", 1), path="/api/{shelf}/widgets/{id")
    assert [str(f) for f in lint(broken)] == [
        'error: widget: path template: mux: unbalanced braces in "/api/{shelf}/widgets/{id"']


def test_capture_groups_are_refused_as_gorilla_refuses_them(synthetic_set):
    broken = _replace_in(synthetic_set, ("routes", 1), path="/api/{shelf}/widgets/{id:([0-9]+)}")
    (finding,) = lint(broken)
    assert (finding.level, finding.location) == (ERROR, "widget")
    assert "contains capture groups" in finding.message


def test_duplicate_path_variable(synthetic_set):
    broken = _replace_in(synthetic_set, ("routes", 1), path="/api/{id}/widgets/{id}")
    assert [f.location for f in lint(broken)] == ["widget"]


def test_status_mismatch_is_a_warning(synthetic_set):
    broken = _replace_in(synthetic_set, ("routes", 1, "methods", 1, "requests", 0, "failures", 0),
                         status_code=410)
    assert [str(f) for f in lint(broken)] == [
        "warning: widget/DELETE/#0/failures[0] 410: WIDGET_UNKNOWN is registered with status 404, "
        "listed under 410"]


def test_path_variables_parser():
    assert path_variables("/v2/") == []
    assert path_variables("/a/{n:[a-z]{2,3}}/{b}") == [("n", "[a-z]{2,3}"), ("b", None)]
    assert GoRegexp(path_variables(load_set("registry_v2").routes[2].path)[1][1]).fullmatch("sha256:" + "a" * 64)


def _write_dump(tmp_path, dset, name="set.json"):
    path = tmp_path / name
    path.write_bytes(canonical_json(dump(dset)))
    return str(path)


def test_cli_exit_codes(tmp_path, capsys, synthetic_set):
    assert main(["lint", "registry_v2"]) == 0
    out, err = capsys.readouterr()
    assert out.count("warning: ") == len(REGISTRY_V2_WARNINGS)
    assert "registry_v2: 0 error(s), 8 warning(s)" in err
    assert main(["lint", "registry_v2", "--errors-only"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["lint", "synthetic:SYNTHETIC_SET"]) == 0
    warned = _replace_in(synthetic_set, ("routes", 1, "methods", 1, "requests", 0, "failures", 0),
                         status_code=410)
    assert main(["lint", _write_dump(tmp_path, warned, "warned.json")]) == 0
    broken = dataclasses.replace(synthetic_set, routes=synthetic_set.routes * 2)
    assert main(["lint", _write_dump(tmp_path, broken, "broken.json")]) == 1
    out, _ = capsys.readouterr()
    assert "error: widgets: duplicate route name" in out


def test_cli_unknown_set_is_a_user_error(capsys):
    assert main(["lint", "no_such_set"]) == 2
    assert "unknown descriptor set" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ['{"RouteDescriptors": 3}', "not json"])
def test_cli_bad_dump_is_a_user_error(tmp_path, capsys, bad):
    path = tmp_path / "bad.json"
    path.write_text(bad)
    assert main(["lint", str(path)]) == 2
    assert "specgen: error:" in capsys.readouterr().err


def test_synthetic_set_goes_through_lint_and_dump_on_the_command_line(synthetic_set):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent),
                                                        os.environ.get("PYTHONPATH", "")])}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "specgen", *args], capture_output=True, env=env,
                              timeout=60)

    linted = run("lint", "synthetic:SYNTHETIC_SET")
    assert (linted.returncode, linted.stdout) == (0, b"")
    assert b"widgets: 0 error(s), 0 warning(s)" in linted.stderr
    dumped = run("dump", "synthetic:SYNTHETIC_SET", "--compact")
    assert dumped.returncode == 0, dumped.stderr.decode()
    assert json.loads(dumped.stdout) == dump(synthetic_set)
