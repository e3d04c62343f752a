"""The grammar's Go pattern texts and their Python translations against distribution/reference's
regexp tests (ported to tests/data/grammar_cases.json), plus RE2-vs-Python differences."""

import re

import oracle_port
import pytest

from specgen.distribution import grammar
from specgen.goregexp import GoRegexp, go_to_python

TABLE = oracle_port.load("grammar_cases.json")

#: Each regexp test of regexp_test.go and the grammar object it exercises.
REGEXPS = {
    "TestDomainRegexp": GoRegexp("^" + grammar.DOMAIN_AND_PORT + "$"),
    "TestFullNameRegexp": grammar.ANCHORED_NAME_REGEXP,
    "TestReferenceRegexp": grammar.REFERENCE_REGEXP,
    "TestIdentifierRegexp": grammar.ANCHORED_IDENTIFIER_REGEXP,
}
#: Tests that only check MatchString (the others compare FindStringSubmatch).
MATCH_ONLY = {"TestDomainRegexp", "TestIdentifierRegexp"}

CASES = [(t["test"], *case) for t in TABLE["tests"] for case in t["cases"]]


def test_ported_table_matches_oracle(oracles):
    if not (oracles / TABLE["oracle"]["file"]).exists():
        pytest.skip("../shared/oracles absent: the ported table is pinned by its own content")
    oracle_port.check_against_oracle("grammar_cases.json", oracles)


def test_counts():
    counts = {t["test"]: len(t["cases"]) for t in TABLE["tests"]}
    assert counts == {k: TABLE["case_counts"][k] for k in counts}
    assert sum(counts.values()) == 110


@pytest.mark.parametrize("test", [t["test"] for t in TABLE["tests"]])
def test_go_text_is_upstreams(test):
    """The Go text is byte-identical to the pattern upstream's test ran (pinned as sha256)."""
    spec = next(t for t in TABLE["tests"] if t["test"] == test)
    regexp = REGEXPS[test]
    assert oracle_port.sha256_text(regexp.go_pattern) == spec["pattern_sha256"]
    assert regexp.python.groups == spec["num_subexp"]


@pytest.mark.parametrize("test, text, match, subs", CASES)
def test_python_pattern_case(test, text, match, subs):
    regexp = REGEXPS[test]
    m = regexp.search(text)  # Go's FindStringSubmatch / MatchString: leftmost match anywhere
    assert (m is not None) == match
    if not match or test in MATCH_ONLY:
        return
    assert m.group(0) == text
    got = [g or "" for g in m.groups()]  # Go reports an unmatched group as ""
    if subs is not None:
        assert got[: len(subs)] == subs


@pytest.mark.parametrize("go, text, expected", [
    (r"^a$", "a\n", False),              # Go's $ is end of text
    (r"^a\z", "a", True),
    (r"^\s$", "\v", False),              # RE2's \s has no \v
    (r"^[\s]$", "\f", True),
    (r"^\S+$", "ab", True),
    (r"^\w+$", "é", False),              # ASCII \w
    (r"^\d$", "٣", False),               # ASCII \d
    (r"^[[:xdigit:]]+$", "0aF", True),
    (r"^[[:xdigit:]]+$", "g", False),
    (r"^[[:alpha:][:digit:]]+$", "a1", True),
    (r"^a{,2}$", "a{,2}", True),         # not a repetition in RE2
    (r"^a{,2}$", "aa", False),
    (r"^a{2}$", "aa", True),
    (r"^\Qa.b\E$", "a.b", True),
    (r"^\Qa.b\E$", "axb", False),
    (r"^(?<x>a)$", "a", True),
    (r"^\x{4e0d}$", "不", True),
    (r"^[a-zA-Z0-9-_.=]+$", "A-_.=", True),
    (r"^[a-zA-Z0-9-_.=]+$", "+", False),
    (r'^[^"(),/:;<=>?@[\]{}]+$', "a[b", False),
    (r"^[a&&b]$", "&", True),
])
def test_re2_semantics(go, text, expected):
    assert (GoRegexp(go).search(text) is not None) == expected


@pytest.mark.parametrize("go", [r"\pL", r"[[:^alpha:]]", r"(?m)^a$", r"a(?i)b", r"[\S]"])
def test_untranslatable_is_refused(go):
    with pytest.raises(ValueError):
        go_to_python(go)


def test_translation_keeps_the_go_text():
    r = GoRegexp(grammar.DIGEST)
    assert str(r) == grammar.DIGEST and "[[:xdigit:]]" in r.go_pattern
    assert "xdigit" not in r.python.pattern
    assert r.python.flags & re.ASCII


def test_examples():
    import doctest
    import importlib

    for name in ['specgen.goregexp']:
        result = doctest.testmod(importlib.import_module(name))
        assert result.failed == 0 and result.attempted > 0
