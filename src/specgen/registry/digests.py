"""Digest parsing as the registry needs it: ``algorithm:hex`` with a known algorithm and length."""

from __future__ import annotations

import re

#: Algorithm → length of its hex encoding (go-digest's registered algorithms).
ALGORITHMS = {"sha256": 64, "sha384": 96, "sha512": 128}
_HEX = re.compile(r"[a-f0-9]+\Z")


class InvalidDigest(ValueError):
    pass


def parse(text: str) -> tuple[str, str]:
    """``"sha256:<64 hex>"`` → ``("sha256", "<64 hex>")``; ``InvalidDigest`` otherwise."""
    alg, sep, encoded = text.partition(":")
    if not sep or not alg or not encoded:
        raise InvalidDigest(f"invalid checksum digest format: {text!r}")
    size = ALGORITHMS.get(alg)
    if size is None:
        raise InvalidDigest(f"unsupported digest algorithm: {alg!r}")
    if len(encoded) != size or not _HEX.match(encoded):
        raise InvalidDigest(f"invalid checksum digest length or characters: {text!r}")
    return alg, encoded
