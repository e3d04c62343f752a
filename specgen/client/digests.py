"""Content digests (``<algorithm>:<hex>``) computed while bytes stream past."""

from __future__ import annotations

import hashlib

#: algorithms the registry digest grammar names, with their hex length
ALGORITHMS = {"sha256": 64, "sha384": 96, "sha512": 128}


def hasher(algorithm: str):
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unsupported digest algorithm {algorithm!r} (use one of "
                         f"{', '.join(ALGORITHMS)})")
    return hashlib.new(algorithm)


def algorithm_of(digest: str) -> str:
    alg, sep, hexpart = digest.partition(":")
    if not sep or alg not in ALGORITHMS or len(hexpart) != ALGORITHMS[alg]:
        raise ValueError(f"not a digest this client can verify: {digest!r}")
    return alg


def digest_of(data: bytes, algorithm: str = "sha256") -> str:
    h = hasher(algorithm)
    h.update(data)
    return f"{algorithm}:{h.hexdigest()}"
