"""What every driver checks before a name becomes part of a path or an object key: a digest splits
into an algorithm and a hex part, and a tag, upload id or either digest part is exactly one
component (no ``/``, no leading ``.``, no NUL), so nothing a client sends can leave its place."""

from __future__ import annotations

from specgen.registry.storage.driver import InvalidName


def split_digest(digest: str) -> tuple[str, str]:
    """``"alg:hex"`` → (alg, hex), refusing what would not be one component each."""
    alg, sep, hexd = digest.partition(":")
    if not sep or not alg or not hexd or "/" in digest or alg.startswith(".") or hexd.startswith("."):
        raise InvalidName(f"not a digest: {digest!r}")
    return alg, hexd


def component(value: str, what: str) -> str:
    """``value`` when it is one component, else ``InvalidName`` naming ``what`` it was."""
    if not value or "/" in value or value.startswith(".") or "\0" in value:
        raise InvalidName(f"invalid {what}: {value!r}")
    return value
