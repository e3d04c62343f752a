"""Digest parsing for the registry backend: go-digest's rules (``specgen.distribution.digest``)
with one exception type for the handlers to map to DIGEST_INVALID."""

from __future__ import annotations

from specgen.distribution.digest import ALGORITHMS, DigestError, parse_digest

__all__ = ["ALGORITHMS", "InvalidDigest", "parse"]


class InvalidDigest(ValueError):
    pass


def parse(text: str) -> tuple[str, str]:
    """``"sha256:<64 hex>"`` → ``("sha256", "<64 hex>")``; ``InvalidDigest`` with go-digest's message."""
    try:
        return parse_digest(text)
    except DigestError as exc:
        raise InvalidDigest(f"{exc}: {text!r}") from None
