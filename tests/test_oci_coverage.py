"""docs/oci-coverage.md: the requirements table of oci_v1_1 resolves (descriptors, server code and
tests, check scenarios), the committed page is what `specgen coverage` renders, and the table lists
exactly the spec's requirement sentences (pinned here as a count and a hash of their keys; diffed
against the spec itself when ../shared is present)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from specgen.checker.scenarios import SCENARIOS
from specgen.cli import main
from specgen.commands.coverage import completeness
from specgen.descriptors import load_set
from specgen.layout import DESCRIPTORS
from specgen.requirements import extract, table

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT.parent / "shared" / "oracles" / "oci-distribution-spec.md"
#: The spec (main) has 209 requirement lines and endpoint rows; the keys' hash pins which.
COUNT = 209
KEYS_SHA256 = "7dc38369afbd803d0aa3a1fb84ac90a54c60fd607792110d5032a3f89b59a584"


@pytest.fixture(scope="module")
def reqs():
    return table.load(DESCRIPTORS / "oci_v1_1" / "requirements.yaml")


def _keys(rows) -> str:
    text = "\n".join(f"{r.id} {r.section} {r.level} {r.sha}" for r in rows)
    return hashlib.sha256(text.encode()).hexdigest()


def test_every_reference_of_the_table_resolves(reqs):
    assert table.problems(reqs, load_set("oci_v1_1"), ROOT, (s.name for s in SCENARIOS)) == []


def test_the_table_is_pinned(reqs):
    assert len(reqs) == COUNT and len({r.id for r in reqs}) == COUNT
    assert _keys(reqs) == KEYS_SHA256


@pytest.mark.skipif(not SPEC.exists(), reason="../shared/oracles (the OCI spec's text) is not beside this checkout")
def test_the_table_lists_exactly_the_specs_requirements(reqs):
    assert completeness(reqs, extract.sentences(SPEC.read_text(encoding="utf-8"))) == []


def test_the_committed_page_is_fresh(capsys):
    assert main(["coverage", "--check", "--out", str(ROOT / "docs" / "oci-coverage.md")]) == 0


def test_every_registry_requirement_is_covered_or_says_why(reqs):
    for r in reqs:
        if r.party != "client":
            assert (r.descriptor or r.gap) and (r.honoured or r.gap) and (r.checked or r.gap), r.id


def test_extract_finds_key_words_and_endpoint_rows_not_code():
    doc = "\n".join([
        "# Spec", "The key words MUST and MAY are to be read as RFC 2119 says.",
        "## Pulling", "A registry MUST answer 200.", "Prose without key words.",
        "```", "MUST inside code", "```", "Clients SHOULD retry and MAY give up.",
        "## Endpoints", "| end-1 | `GET` | `/v2/` | `200` | `404` |",
    ])
    found = extract.sentences(doc)
    assert [(s.id, s.section, s.levels) for s in found] == [
        ("pulling-1", "Pulling", ("MUST",)), ("pulling-2", "Pulling", ("SHOULD", "MAY")), ("end-1", "Endpoints", ()),
    ]
    assert found[0].sha == extract.fingerprint("A  registry MUST answer 200. ")


def test_a_changed_sentence_is_reported(reqs):
    first = reqs[0]
    changed = extract.Sentence(first.id, first.section, tuple(first.level.split("/")), "0" * 12, "changed text")
    assert completeness(reqs[:1], [changed]) == [f"{first.id}: the spec's sentence changed ({first.section}: changed text...)"]
    assert completeness(reqs[:1], []) == [f"{first.id}: in the table, not in the spec"]


def test_locator_errors_are_precise():
    dset = load_set("oci_v1_1")
    assert table.locate(dset, "manifest PUT 201 OCI-Tag") is None
    assert table.locate(dset, "manifest PUT ?tag") is None
    assert table.locate(dset, "manifest PUT 400 TAG_INVALID") is None
    assert table.locate(dset, "manifest PUT 418") == "no 418 response to PUT manifest"
    assert table.locate(dset, "manifest PATCH") == "no PATCH on route manifest"
    assert table.locate(dset, "manifest PUT ?nope") == "PUT manifest has no parameter ?nope"
    assert table.locate(dset, "error NOPE") == "no error code NOPE"


def test_coverage_refuses_an_unreadable_spec(tmp_path, capsys):
    assert main(["coverage", "--out", "-", "--spec", str(tmp_path / "missing.md")]) == 2
    assert "missing.md" in capsys.readouterr().err
