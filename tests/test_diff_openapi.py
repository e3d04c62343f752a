"""A second opinion: npm's openapi-diff (Atlassian's, which no one here wrote) run on our generated
OpenAPI 3.0 documents of v2.0.0, v2.8.2 and main. Every breaking change it reports, ``specgen diff``
reports too, at the same route, method and status. ``docs/diff.md`` lists where the two disagree.

The tool is installed by ``.ci/run`` into ``.tools/npm-diff`` (version pinned there).
"""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from specgen.descriptors import load_set
from specgen.diff import diff_sets
from specgen.paths import compile_path

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / ".tools" / "npm-diff" / "node_modules" / ".bin" / "openapi-diff"
PAIRS = [("registry_v2_0_0", "registry_v2_8_2"), ("registry_v2_8_2", "registry_v2")]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tool():
    if not TOOL.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{TOOL} missing: .ci/run installs openapi-diff")
        pytest.skip("openapi-diff not installed (npm install --no-save --prefix .tools/npm-diff openapi-diff@0.24.1)")
    return TOOL


def _openapi_diff(tool, old, new):
    # to a file: node exits before a pipe drains, cutting long output short
    out = Path(os.environ.get("TMPDIR", "/tmp")) / f"openapi-diff-{os.getpid()}-{old}-{new}.json"
    try:
        with out.open("w") as sink:
            proc = subprocess.run([str(tool), str(ROOT / "build" / old / "openapi-3.0.json"),
                                   str(ROOT / "build" / new / "openapi-3.0.json")],
                                  stdout=sink, stderr=subprocess.PIPE, text=True, timeout=300)
        assert proc.returncode in (0, 1), proc.stderr  # 1: breaking changes found
        text = out.read_text(encoding="utf-8")
    finally:
        out.unlink(missing_ok=True)
    return json.loads(text[text.index("{"):])


def _locate(location, dset):
    """``paths./v2/{name}/x.put.responses.202`` -> (route name, METHOD, rest)."""
    m = re.match(r"paths\.(/[^.]*(?:\.[^.]+)*?)\.(get|put|post|patch|delete|head)(?:\.(.*))?$", location)
    assert m, location
    routes = {compile_path(r.path).openapi_template: r.name for r in dset.routes}
    return routes[m.group(1)], m.group(2).upper(), m.group(3) or ""


@pytest.mark.parametrize("old,new", PAIRS)
def test_every_breaking_change_openapi_diff_reports_specgen_reports(tool, old, new):
    found = _openapi_diff(tool, old, new)
    breaking = found["breakingDifferences"]
    assert breaking, "openapi-diff found no breaking change (the pairs have some)"
    a, b = load_set(old), load_set(new)
    ours = diff_sets(a, b)
    for difference in breaking:
        details = difference["sourceSpecEntityDetails"] + difference["destinationSpecEntityDetails"]
        for detail in details:
            route, method, rest = _locate(detail["location"], a if difference["sourceSpecEntityDetails"] else b)
            status = re.search(r"responses\.(\d{3})", rest)
            matching = [c for c in ours if c.route == route and c.method == method
                        and (status is None or int(status.group(1)) in (c.old, c.new)
                             or status.group(1) in c.response)]
            assert matching, (difference["code"], detail["location"])


def test_the_disagreements_are_documented(tool):
    """docs/diff.md names each breaking finding of openapi-diff, with specgen's rule for it."""
    docs = (ROOT / "docs" / "diff.md").read_text(encoding="utf-8")
    for old, new in PAIRS:
        for difference in _openapi_diff(tool, old, new)["breakingDifferences"]:
            for detail in difference["sourceSpecEntityDetails"] + difference["destinationSpecEntityDetails"]:
                assert f"`{detail['location']}`" in docs, detail["location"]
