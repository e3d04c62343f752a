"""The sets of distribution's releases v2.0.0 and v2.8.2 against upstream's dumps and api.md.

Golden figures (sha256 of the canonical dump; of the Markdown detail) run on any clone; where the
oracle folder exists beside the checkout, a field-by-field diff names every difference and the
detail is compared byte for byte with upstream's.
"""

import hashlib
import json
from pathlib import Path

import pytest
from treediff import json_diff

from specgen.compilers.markdown import render_detail
from specgen.descriptors import BUNDLED, load_set
from specgen.dump import canonical_json, dump, load
from specgen.model import FORMAT_ERRCODE, FORMAT_V2_0_0

ROOT = Path(__file__).resolve().parents[1]

# set -> (oracle dump, oracle api.md, dump size, dump sha256, detail size, detail sha256)
VERSIONS = {
    "registry_v2_8_2": (
        "registry-v2-descriptors@v2.8.2.json", "api@v2.8.2.regenerated.md",
        104_363, "ce2902d4eb0102eb66e7e203ca0d5d0b19b5624ed7cd29168545ff56d067d021",
        109_506, "f72aaa3d8a9b28b90499edb644bb6dc31b7697c9c9e14c594d5b1e135397b880"),
    "registry_v2_0_0": (
        "registry-v2-descriptors@v2.0.0.json", "api@v2.0.0.md",
        52_942, "00f0dadc0df92acd1a8eb295ee3e0e2037d5375b18c6c18967143678582cbda9",
        55_713, "53be27ffef4107eb69a1cdd00aef9f0c8ad5fec6b734b9911ae258f83aa513cf"),
}
#: The oracle README's counts: routes, methods, requests, successes, failures,
#: request headers, path, query, response headers, error codes.
COUNTS = {
    "registry_v2_0_0": (6, 11, 13, 14, 39, 34, 21, 2, 53, 14),
    "registry_v2_8_2": (7, 13, 19, 20, 100, 40, 27, 8, 127, 19),
    "registry_v2": (7, 13, 19, 20, 100, 40, 27, 8, 127, 20),
}


def _oracle(oracles, name):
    return oracles / "versions" / name


@pytest.mark.parametrize("name", VERSIONS)
def test_dump_is_upstreams(name, oracles):
    dump_file, _, size, sha, *_ = VERSIONS[name]
    data = dump(load_set(name))
    path = _oracle(oracles, dump_file)
    if path.exists():
        oracle = json.loads(path.read_text(encoding="utf-8"))
        oracle.pop("Meta")
        differences = list(json_diff(data, oracle))
        assert not differences, "\n".join(differences[:50])
    blob = canonical_json(data)
    assert (len(blob), hashlib.sha256(blob).hexdigest()) == (size, sha)


@pytest.mark.parametrize("name", VERSIONS)
def test_markdown_detail_is_upstreams(name, oracles):
    _, md_file, _, _, size, sha = VERSIONS[name]
    detail = render_detail(load_set(name))
    path = _oracle(oracles, md_file)
    if path.exists():
        text = path.read_text(encoding="utf-8")
        expected = text[text.index("## Detail"):]
        assert detail == expected
    blob = detail.encode()
    assert (len(blob), hashlib.sha256(blob).hexdigest()) == (size, sha)


def test_the_oracles_are_the_ones_pinned(oracles):
    """The README's sha256 of each oracle file (so a changed oracle is noticed, not diffed)."""
    pinned = {
        "registry-v2-descriptors@v2.0.0.json": "370cf90805aaf2fb1575020f96a1d4e0a10a824e80a2327e0a01d282a91efba4",
        "registry-v2-descriptors@v2.8.2.json": "e926acd42b776ed99fa916eaa1a6175c2f554bcd5d349a5041427b5a1d063ff7",
        "api@v2.0.0.md": "129769634e692ffe6e1a66c536ff36568ca51f6e4d6014d85e2cf57de934477d",
        "api@v2.8.2.regenerated.md": "838a817dd9745492e5da9695cc6d399ecc38d03c70688f8d8e36e5a7de2a5595",
    }
    present = {n: _oracle(oracles, n) for n in pinned if _oracle(oracles, n).exists()}
    for n, path in present.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == pinned[n], n


@pytest.mark.parametrize("name", COUNTS)
def test_counts_are_the_readmes(name):
    dset = load_set(name)
    methods = [m for r in dset.routes for m in r.methods or ()]
    requests = [q for m in methods for q in m.requests or ()]
    successes = [s for q in requests for s in q.successes or ()]
    failures = [s for q in requests for s in q.failures or ()]
    got = (
        len(dset.routes), len(methods), len(requests), len(successes), len(failures),
        sum(len(q.headers or ()) for q in requests),
        sum(len(q.path_parameters or ()) for q in requests),
        sum(len(q.query_parameters or ()) for q in requests),
        sum(len(s.headers or ()) for s in successes + failures),
        len(dset.errors),
    )
    assert got == COUNTS[name]


def test_go_types_of_each_release():
    old, mid = load_set("registry_v2_0_0"), load_set("registry_v2_8_2")
    assert (old.dump_format, mid.dump_format) == (FORMAT_V2_0_0, FORMAT_ERRCODE)
    data = dump(old)
    first = data["RouteDescriptors"][0]["Methods"][0]["Requests"][0]["Successes"][0]
    assert "Fields" not in first
    errors = {e["Value"]: e for e in data["ErrorDescriptors"]}
    assert set(errors["BLOB_UNKNOWN"]) == {"Value", "Message", "Description", "HTTPStatusCodes"}
    assert errors["BLOB_UNKNOWN"]["HTTPStatusCodes"] == [400, 404]
    assert errors["UNAUTHORIZED"]["HTTPStatusCodes"] is None
    assert [e["Value"] for e in data["ErrorDescriptors"]] == sorted(errors)
    assert set(data["Regexps"]) == {"Names", "Digest"}
    assert "Group" in dump(mid)["ErrorDescriptors"][0]


def test_a_go_dump_of_either_format_round_trips():
    for name in VERSIONS:
        data = dump(load_set(name))
        again = load(json.loads(json.dumps(data)))
        assert dump(again) == data
        assert again.dump_format == load_set(name).dump_format


def test_each_older_set_is_written_as_changes():
    """No whole-file copy: the older sets revise their neighbour and hold no route literal."""
    for name, neighbour in (("registry_v2_8_2", "registry_v2"), ("registry_v2_0_0", "registry_v2_8_2")):
        sources = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "descriptors" / name).glob("*.py"))
        assert f"from specgen.descriptors import {neighbour} as" in sources
        assert "Revision(" in sources and "RouteDescriptor(" not in sources
        base = (ROOT / "descriptors" / "registry_v2" / "routes.py").read_text(encoding="utf-8")
        assert len(sources) < len(base) / 2


def test_the_older_sets_share_the_newer_sets_objects():
    """What did not change is the very same object (a change reaches every release it applies to)."""
    main, mid, old = (load_set(n) for n in ("registry_v2", "registry_v2_8_2", "registry_v2_0_0"))
    host = [h for h in mid.route("base").methods[0].requests[0].headers if h.name == "Host"][0]
    assert host is [h for h in main.route("base").methods[0].requests[0].headers if h.name == "Host"][0]
    def range_416(dset):
        return [f for f in dset.route("blob").methods[0].requests[1].failures if f.status_code == 416][0]

    assert range_416(old) is range_416(mid) is range_416(main)


def test_bundled_and_built():
    assert {"registry_v2_0_0", "registry_v2_8_2"} <= set(BUNDLED)
    for name in VERSIONS:
        folder = ROOT / "build" / name
        for rel in ("api.md", "api.html", "openapi.json", "openapi-3.0.json", "server/routes.py", "client"):
            assert (folder / rel).exists(), (name, rel)


def test_v2_8_2_names_match_as_re2_does_without_backtracking():
    """v2.8.x's path component allows an empty `-` separator; Python gets the equivalent pattern
    without it (RE2 is linear, Python's backtracking is not), accepting exactly the same names."""
    from specgen.descriptors.registry_v2_8_2 import grammar

    python = grammar.NAME_REGEXP.python.pattern
    assert "[-]*" in grammar.NAME_REGEXP.go_pattern and "[-]*" not in python
    for name in ("a", "ab", "a-b", "a--b", "a_b", "a__b", "a.b", "a/b-c", "host:5000/a/b", "localhost/x"):
        assert grammar.NAME_REGEXP.fullmatch(name), name
    for name in ("A", "a___b", "a-", "-a", "a..b", "a/", "a" * 60 + "!", ("ab" * 30 + "/") * 4 + "!"):
        assert grammar.NAME_REGEXP.fullmatch(name) is None, name


def test_upstreams_committed_v2_8_2_doc_is_stale_by_62_lines(oracles):
    """What nobody caught upstream: the api.md committed at v2.8.2 lacks 62 lines its own template
    produces from its descriptors (a PAGINATION_NUMBER_INVALID row, two 400 sections)."""
    import difflib

    path = _oracle(oracles, "api@v2.8.2.md")
    if not path.exists():
        return  # the regenerated text itself is pinned by test_markdown_detail_is_upstreams
    committed = path.read_text(encoding="utf-8")
    committed = committed[committed.index("## Detail"):].splitlines()
    ours = render_detail(load_set("registry_v2_8_2")).splitlines()
    assert len(ours) - len(committed) == 62
    remaining = iter(ours)  # every committed line is there, in order: only additions
    assert all(any(line == mine for mine in remaining) for line in committed)
    added = "\n".join(line for line in difflib.ndiff(committed, ours) if line.startswith("+ "))
    assert "PAGINATION_NUMBER_INVALID` | invalid number of results requested" in added
    assert added.count("###### On Failure: Invalid pagination number") == 2
