"""Digests as github.com/opencontainers/go-digest (v1.0.0, the version distribution pins) parses
them, with sha256, sha384 and sha512 available (as in any binary that links crypto/sha512).

    >>> parse_digest("sha256:" + "e3" * 32)[0]
    'sha256'
    >>> digest_of(b"")
    'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from specgen.distribution.grammar import GO_DIGEST_REGEXP_ANCHORED

#: Available algorithms and the length of their hex encoding.
ALGORITHMS: dict[str, int] = {"sha256": 64, "sha384": 96, "sha512": 128}
#: The algorithm used when none is named (digest.Canonical).
CANONICAL = "sha256"
#: Names RegisterAlgorithm accepts (go-digest's algorithmRegexp).
ALGORITHM_NAME = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*\Z", re.ASCII)
_HEX = re.compile(r"[a-f0-9]*\Z", re.ASCII)


class DigestError(ValueError):
    """A digest go-digest rejects; ``name`` is the Go sentinel's identifier."""

    name = "ErrDigest"
    message = ""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


class DigestInvalidFormat(DigestError):
    name, message = "ErrDigestInvalidFormat", "invalid checksum digest format"


class DigestInvalidLength(DigestError):
    name, message = "ErrDigestInvalidLength", "invalid checksum digest length"


class DigestUnsupported(DigestError):
    name, message = "ErrDigestUnsupported", "unsupported digest algorithm"


def parse_digest(text: str, algorithms: Mapping[str, int] = ALGORITHMS) -> tuple[str, str]:
    """``(algorithm, encoded)`` of a valid digest, else the :class:`DigestError` go-digest gives.

    ``algorithms`` is the set considered available (go-digest's ``Algorithm.Available``); pass a
    smaller one to reproduce a binary that links fewer hashes.
    """
    i = text.find(":")
    if i <= 0 or i + 1 == len(text):
        raise DigestInvalidFormat()
    algorithm, encoded = text[:i], text[i + 1 :]
    if algorithm not in algorithms:
        if GO_DIGEST_REGEXP_ANCHORED.fullmatch(text) is None:
            raise DigestInvalidFormat()
        raise DigestUnsupported()
    if len(encoded) != algorithms[algorithm]:
        raise DigestInvalidLength()
    if _HEX.match(encoded) is None:
        raise DigestInvalidFormat()
    return algorithm, encoded


def hasher(algorithm: str) -> hashlib._Hash:
    """A fresh hash object for ``algorithm`` (go-digest's ``Algorithm.Hash``)."""
    if algorithm == "":
        raise ValueError("empty digest algorithm, validate before calling Algorithm.Hash()")
    if algorithm not in ALGORITHMS:
        raise ValueError(f"{algorithm} not available (make sure it is imported)")
    return hashlib.new(algorithm)


def verifier(digest: str) -> hashlib._Hash:
    """The hash a digest is verified with (``Digest.Verifier``), without validating the digest."""
    algorithm, sep, _ = digest.partition(":")
    if not sep:
        raise ValueError(f"no ':' separator in digest \"{digest}\"")
    return hasher(algorithm)


def digest_of(data: bytes, algorithm: str = CANONICAL) -> str:
    """``algorithm:hex`` of ``data`` (``Algorithm.FromBytes``)."""
    h = hasher(algorithm)
    h.update(data)
    return f"{algorithm}:{h.hexdigest()}"


def algorithm_of(digest: str) -> str:
    """The algorithm of a digest this library can verify; ``ValueError`` naming the digest else."""
    try:
        return parse_digest(digest)[0]
    except DigestError as exc:
        raise ValueError(f"not a digest that can be verified ({exc}): {digest!r}") from None
