"""Image references as github.com/distribution/reference parses them.

    >>> ref = parse("example.com:5000/team/app:v1@sha256:" + "f" * 64)
    >>> ref.domain, ref.path, ref.tag, ref.name
    ('example.com:5000', 'team/app', 'v1', 'example.com:5000/team/app')
    >>> try:
    ...     parse_named("ubuntu")
    ... except ReferenceError as err:
    ...     print(err.name, err)
    ErrNameNotCanonical repository name must be canonical

Errors are :class:`ReferenceError` (or go-digest's :class:`DigestError` for a bad digest part), with
the Go sentinel's message and its identifier in ``name``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from specgen.distribution.digest import ALGORITHMS, parse_digest
from specgen.distribution.grammar import (
    ANCHORED_DIGEST_REGEXP,
    ANCHORED_IDENTIFIER_REGEXP,
    ANCHORED_NAME_REGEXP,
    ANCHORED_TAG_REGEXP,
    NAME_TOTAL_LENGTH_MAX,
    REFERENCE_REGEXP,
)

DEFAULT_DOMAIN = "docker.io"
LEGACY_DEFAULT_DOMAIN = "index.docker.io"
OFFICIAL_REPO_PREFIX = "library/"
LOCALHOST = "localhost"


class ReferenceError(ValueError):
    """A reference distribution/reference rejects; ``name`` is the Go identifier of the error."""

    def __init__(self, message: str, name: str = "") -> None:
        super().__init__(message)
        self.name = name


def _sentinel(name: str, message: str) -> tuple[str, str]:
    return name, message


ERR_REFERENCE_INVALID_FORMAT = _sentinel("ErrReferenceInvalidFormat", "invalid reference format")
ERR_TAG_INVALID_FORMAT = _sentinel("ErrTagInvalidFormat", "invalid tag format")
ERR_DIGEST_INVALID_FORMAT = _sentinel("ErrDigestInvalidFormat", "invalid digest format")
ERR_NAME_CONTAINS_UPPERCASE = _sentinel("ErrNameContainsUppercase", "repository name must be lowercase")
ERR_NAME_EMPTY = _sentinel("ErrNameEmpty", "repository name must have at least one component")
ERR_NAME_TOO_LONG = _sentinel(
    "ErrNameTooLong", f"repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"
)
ERR_NAME_NOT_CANONICAL = _sentinel("ErrNameNotCanonical", "repository name must be canonical")


def _fail(sentinel: tuple[str, str]) -> ReferenceError:
    return ReferenceError(sentinel[1], sentinel[0])


@dataclass(frozen=True)
class Reference:
    """A parsed reference; empty strings for absent parts (Go's zero values)."""

    domain: str = ""
    path: str = ""
    tag: str = ""
    digest: str = ""

    @property
    def name(self) -> str:
        return f"{self.domain}/{self.path}" if self.domain else self.path

    def __str__(self) -> str:
        text = self.name
        if self.tag:
            text += ":" + self.tag
        if self.digest:
            text = f"{text}@{self.digest}" if text else self.digest
        return text


def _groups(match) -> list[str]:
    return [g or "" for g in match.groups()]


def _split_name(name: str) -> tuple[str, str] | None:
    m = ANCHORED_NAME_REGEXP.python.match(name)
    return None if m is None else tuple(_groups(m))  # type: ignore[return-value]


def parse(text: str, algorithms: Mapping[str, int] = ALGORITHMS) -> Reference:
    """``reference.Parse``: name, optional ``:tag``, optional ``@digest``.

    The digest part goes through go-digest with ``algorithms`` available (see
    :func:`~specgen.distribution.digest.parse_digest`).
    """
    m = REFERENCE_REGEXP.python.match(text)
    if m is None:
        if text == "":
            raise _fail(ERR_NAME_EMPTY)
        if REFERENCE_REGEXP.python.match(text.lower()) is not None:
            raise _fail(ERR_NAME_CONTAINS_UPPERCASE)
        raise _fail(ERR_REFERENCE_INVALID_FORMAT)
    name, tag, digest = _groups(m)
    split = _split_name(name)
    domain, path = split if split else ("", name)
    if len(path) > NAME_TOTAL_LENGTH_MAX:
        raise _fail(ERR_NAME_TOO_LONG)
    if digest:
        parse_digest(digest, algorithms)
    if not name and not digest:
        raise _fail(ERR_NAME_EMPTY)
    return Reference(domain, path, tag, digest)


def with_name(name: str) -> Reference:
    """``reference.WithName``: a repository name alone."""
    split = _split_name(name)
    if split is None:
        raise _fail(ERR_REFERENCE_INVALID_FORMAT)
    if len(split[1]) > NAME_TOTAL_LENGTH_MAX:
        raise _fail(ERR_NAME_TOO_LONG)
    return Reference(*split)


def with_tag(named: Reference, tag: str) -> Reference:
    """``reference.WithTag``: keeps a digest the reference has."""
    if ANCHORED_TAG_REGEXP.python.match(tag) is None:
        raise _fail(ERR_TAG_INVALID_FORMAT)
    return Reference(named.domain, named.path, tag, named.digest)


def with_digest(named: Reference, digest: str) -> Reference:
    """``reference.WithDigest``: checks the digest grammar only, not the algorithm's length."""
    if ANCHORED_DIGEST_REGEXP.python.match(digest) is None:
        raise _fail(ERR_DIGEST_INVALID_FORMAT)
    return Reference(named.domain, named.path, named.tag, digest)


def split_docker_domain(name: str) -> tuple[str, str]:
    """``splitDockerDomain``: the Docker Hub defaults for names without a domain."""
    maybe_domain, sep, maybe_remote = name.partition("/")
    if not sep:
        return DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX + name
    if maybe_domain == LOCALHOST:
        domain, remote = maybe_domain, maybe_remote
    elif maybe_domain == LEGACY_DEFAULT_DOMAIN:
        domain, remote = DEFAULT_DOMAIN, maybe_remote
    elif "." in maybe_domain or ":" in maybe_domain or maybe_domain.lower() != maybe_domain:
        domain, remote = maybe_domain, maybe_remote
    else:
        domain, remote = DEFAULT_DOMAIN, name
    if domain == DEFAULT_DOMAIN and "/" not in remote:
        remote = OFFICIAL_REPO_PREFIX + remote
    return domain, remote


def parse_normalized_named(text: str, algorithms: Mapping[str, int] = ALGORITHMS) -> Reference:
    """``reference.ParseNormalizedNamed``: familiar Docker names made fully qualified."""
    if ANCHORED_IDENTIFIER_REGEXP.python.match(text) is not None:
        raise ReferenceError(f"invalid repository name ({text}), cannot specify 64-byte hexadecimal strings")
    domain, remainder = split_docker_domain(text)
    remote = remainder.split(":", 1)[0]
    if remote.lower() != remote:
        raise ReferenceError(f"invalid reference format: repository name ({remote}) must be lowercase")
    ref = parse(domain + "/" + remainder, algorithms)
    if not ref.name:
        raise ReferenceError(f"reference {ref} has no name")
    return ref


def parse_named(text: str, algorithms: Mapping[str, int] = ALGORITHMS) -> Reference:
    """``reference.ParseNamed``: only a name already in canonical form is accepted."""
    ref = parse_normalized_named(text, algorithms)
    if str(ref) != text:
        raise _fail(ERR_NAME_NOT_CANONICAL)
    return ref
