"""distribution/reference's reference tests (ported to tests/data/reference_cases.json)."""

import oracle_port
import pytest

from specgen.distribution.digest import DigestError
from specgen.distribution.reference import (
    Reference,
    ReferenceError,
    parse,
    parse_named,
    parse_normalized_named,
    with_digest,
    with_name,
    with_tag,
)

TABLE = oracle_port.load("reference_cases.json")
#: The reference test binary links crypto/sha256 only, so go-digest has just sha256 available
#: there (see the oracle's digestAlgorithmAvailability note); a registry has sha384/sha512 too.
TEST_BINARY_ALGORITHMS = {"sha256": 64}


def test_ported_table_matches_oracle(oracles):
    if not (oracles / TABLE["oracle"]["file"]).exists():
        pytest.skip("../shared/oracles absent: the ported table is pinned by its own content")
    oracle_port.check_against_oracle("reference_cases.json", oracles)


def test_counts():
    assert {k: len(v) for k, v in TABLE.items() if k != "oracle"} == {
        "TestReferenceParse": 48, "TestWithNameFailure": 7, "TestDomainAndPath": 6, "TestSerialization": 4,
        "TestWithTag": 5, "TestWithDigest": 4, "TestParseNamed": 8,
    }


def expect_error(fn, message, *args, **kwargs):
    with pytest.raises((ReferenceError, DigestError)) as err:
        fn(*args, **kwargs)
    assert str(err.value) == message


@pytest.mark.parametrize("text, error, repository, domain, path, tag, digest", TABLE["TestReferenceParse"])
def test_reference_parse(text, error, repository, domain, path, tag, digest):
    if error:
        expect_error(parse, error, text, algorithms=TEST_BINARY_ALGORITHMS)
        return
    ref = parse(text, algorithms=TEST_BINARY_ALGORITHMS)
    assert str(ref) == text
    assert (ref.name, ref.domain, ref.path, ref.tag, ref.digest) == (repository, domain, path, tag, digest)


def test_sha512_reference_parses_in_a_registry():
    """The one case that depends on linked hashes: with sha512 available (as in the registry,
    and our default) it parses."""
    rows = [r for r in TABLE["TestReferenceParse"] if "@sha512:" in r[0]]
    assert len(rows) == 1 and rows[0][1] == "unsupported digest algorithm"
    ref = parse(rows[0][0])
    assert ref.name == "validname" and ref.digest.startswith("sha512:")


@pytest.mark.parametrize("text, error", TABLE["TestWithNameFailure"])
def test_with_name_failure(text, error):
    expect_error(with_name, error, text)


@pytest.mark.parametrize("text, domain, path", TABLE["TestDomainAndPath"])
def test_domain_and_path(text, domain, path):
    ref = with_name(text)
    assert (ref.domain, ref.path, str(ref)) == (domain, path, text)


@pytest.mark.parametrize("text, error, name, tag, digest", TABLE["TestSerialization"])
def test_serialization(text, error, name, tag, digest):
    if error:
        expect_error(parse, error, text)
        return
    ref = parse(text)
    assert (ref.name, ref.tag, ref.digest, str(ref)) == (name, tag, digest, text)


@pytest.mark.parametrize("name, digest, tag, combined", TABLE["TestWithTag"])
def test_with_tag(name, digest, tag, combined):
    named = with_name(name)
    if digest:
        named = with_digest(named, digest)
    assert str(with_tag(named, tag)) == combined


@pytest.mark.parametrize("name, tag, digest, combined", TABLE["TestWithDigest"])
def test_with_digest(name, tag, digest, combined):
    named = with_name(name)
    if tag:
        named = with_tag(named, tag)
    assert str(with_digest(named, digest)) == combined


@pytest.mark.parametrize("text, error, domain, path", TABLE["TestParseNamed"])
def test_parse_named(text, error, domain, path):
    if error:
        expect_error(parse_named, error, text)
        return
    ref = parse_named(text)
    assert (ref.domain, ref.path) == (domain, path)


def test_error_names_and_other_messages():
    with pytest.raises(ReferenceError) as err:
        parse("UPPER")
    assert err.value.name == "ErrNameContainsUppercase"
    expect_error(with_tag, "invalid tag format", with_name("a"), ".bad")
    expect_error(with_digest, "invalid digest format", with_name("a"), "sha256:abc")
    expect_error(parse_normalized_named, "invalid repository name (" + "a" * 64 + "), cannot specify "
                 "64-byte hexadecimal strings", "a" * 64)
    expect_error(parse_normalized_named, "invalid reference format: repository name (library/Foo) must be "
                 "lowercase", "Foo")
    assert str(parse_normalized_named("ubuntu:22.04")) == "docker.io/library/ubuntu:22.04"
    assert str(parse_normalized_named("index.docker.io/x")) == "docker.io/library/x"
    assert str(parse_normalized_named("localhost/x")) == "localhost/x"
    assert str(Reference(digest="sha256:" + "0" * 64)) == "sha256:" + "0" * 64


def test_examples():
    import doctest
    import importlib

    for name in ['specgen.distribution.reference']:
        result = doctest.testmod(importlib.import_module(name))
        assert result.failed == 0 and result.attempted > 0
