"""go-digest's digest tests (ported to tests/data/digest_cases.json) against digest.py."""

import hashlib

import oracle_port
import pytest

from specgen.distribution.digest import (
    ALGORITHM_NAME,
    ALGORITHMS,
    DigestError,
    digest_of,
    hasher,
    parse_digest,
    verifier,
)

TABLE = oracle_port.load("digest_cases.json")


def test_ported_table_matches_oracle(oracles):
    if not (oracles / TABLE["oracle"]["file"]).exists():
        pytest.skip("../shared/oracles absent: the ported table is pinned by its own content")
    oracle_port.check_against_oracle("digest_cases.json", oracles)


def test_algorithms():
    assert ALGORITHMS == {"sha256": 64, "sha384": 96, "sha512": 128}
    for name, length in ALGORITHMS.items():
        assert len(hasher(name).hexdigest()) == length


@pytest.mark.parametrize("text, algorithm, encoded, error", TABLE["TestParseDigest"])
def test_parse_digest(text, algorithm, encoded, error):
    assert len(TABLE["TestParseDigest"]) == 17
    if error:
        with pytest.raises(DigestError) as err:
            parse_digest(text)
        assert str(err.value) == error
        return
    assert parse_digest(text) == (algorithm, encoded)
    assert parse_digest(f"{algorithm}:{encoded}") == (algorithm, encoded)


@pytest.mark.parametrize("digest, message", TABLE["TestVerifierUnsupportedDigest"])
def test_verifier_errors(digest, message):
    with pytest.raises(ValueError) as err:
        verifier(digest)
    assert str(err.value) == message


@pytest.mark.parametrize("name", TABLE["bad_algorithm_names"])
def test_bad_algorithm_names(name):
    assert ALGORITHM_NAME.match(name) is None


@pytest.mark.parametrize("name", TABLE["good_algorithm_names"] + list(ALGORITHMS))
def test_good_algorithm_names(name):
    assert ALGORITHM_NAME.match(name) is not None


def test_digest_of_and_smaller_algorithm_sets():
    d = digest_of(b"abc", "sha512")
    assert d == "sha512:" + hashlib.sha512(b"abc").hexdigest()
    assert parse_digest(d) == ("sha512", d[7:])
    with pytest.raises(DigestError, match="^unsupported digest algorithm$"):
        parse_digest(d, {"sha256": 64})
    assert verifier(digest_of(b"x")).name == "sha256"


def test_examples():
    import doctest
    import importlib

    for name in ['specgen.distribution.digest']:
        result = doctest.testmod(importlib.import_module(name))
        assert result.failed == 0 and result.attempted > 0
