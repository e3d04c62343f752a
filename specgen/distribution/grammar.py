"""The reference grammar of github.com/distribution/reference and go-digest's digest pattern,
built piece by piece as ``regexp.go`` builds them, so each Go pattern text comes out byte-identical.
Each is a ``GoRegexp``: the Go text plus a Python pattern accepting exactly the same strings."""

from __future__ import annotations

from specgen.goregexp import GoRegexp


def _optional(*parts: str) -> str:
    return "(?:" + "".join(parts) + ")?"


def _any_times(*parts: str) -> str:
    return "(?:" + "".join(parts) + ")*"


def _capture(*parts: str) -> str:
    return "(" + "".join(parts) + ")"


def _anchored(*parts: str) -> str:
    return "^" + "".join(parts) + "$"


ALPHANUMERIC = r"[a-z0-9]+"
SEPARATOR = r"(?:[._]|__|[-]+)"
DOMAIN_NAME_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
PORT_NUMBER = r"[0-9]+"
IPV6_ADDRESS = r"\[(?:[a-fA-F0-9:]+)\]"
DOMAIN_NAME = DOMAIN_NAME_COMPONENT + _any_times(r"\.", DOMAIN_NAME_COMPONENT)
HOST = "(?:" + DOMAIN_NAME + "|" + IPV6_ADDRESS + ")"
DOMAIN_AND_PORT = HOST + _optional(":", PORT_NUMBER)
TAG = r"[\w][\w.-]{0,127}"
DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}"
IDENTIFIER = r"([a-f0-9]{64})"
PATH_COMPONENT = ALPHANUMERIC + _any_times(SEPARATOR, ALPHANUMERIC)
REMOTE_NAME = PATH_COMPONENT + _any_times("/", PATH_COMPONENT)
NAME = _optional(DOMAIN_AND_PORT, "/") + REMOTE_NAME
REFERENCE = _anchored(_capture(NAME), _optional(":", _capture(TAG)), _optional("@", _capture(DIGEST)))

#: Exported regexps of github.com/distribution/reference.
DOMAIN_REGEXP = GoRegexp(DOMAIN_AND_PORT)
NAME_REGEXP = GoRegexp(NAME)
TAG_REGEXP = GoRegexp(TAG)
DIGEST_REGEXP = GoRegexp(DIGEST)
IDENTIFIER_REGEXP = GoRegexp(IDENTIFIER)
REFERENCE_REGEXP = GoRegexp(REFERENCE)

#: Its unexported anchored forms.
ANCHORED_TAG_REGEXP = GoRegexp(_anchored(TAG))
ANCHORED_DIGEST_REGEXP = GoRegexp(_anchored(DIGEST))
ANCHORED_IDENTIFIER_REGEXP = GoRegexp(_anchored(IDENTIFIER))
ANCHORED_NAME_REGEXP = GoRegexp(_anchored(_optional(_capture(DOMAIN_AND_PORT), "/"), _capture(REMOTE_NAME)))

#: github.com/opencontainers/go-digest.
GO_DIGEST = r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+"
GO_DIGEST_REGEXP = GoRegexp(GO_DIGEST)
GO_DIGEST_REGEXP_ANCHORED = GoRegexp(_anchored(GO_DIGEST))

#: Repository names longer than this are invalid (reference.NameTotalLengthMax).
NAME_TOTAL_LENGTH_MAX = 255

#: The grammar block of the descriptor set, as the dump's ``Regexps``.
GRAMMAR = {
    "Reference": {
        "DigestRegexp": DIGEST_REGEXP,
        "DomainRegexp": DOMAIN_REGEXP,
        "IdentifierRegexp": IDENTIFIER_REGEXP,
        "NameRegexp": NAME_REGEXP,
        "ReferenceRegexp": REFERENCE_REGEXP,
        "TagRegexp": TAG_REGEXP,
    },
    "ReferenceUnexported": {
        "anchoredDigestRegexp": ANCHORED_DIGEST_REGEXP,
        "anchoredIdentifierRegexp": ANCHORED_IDENTIFIER_REGEXP,
        "anchoredNameRegexp": ANCHORED_NAME_REGEXP,
        "anchoredTagRegexp": ANCHORED_TAG_REGEXP,
    },
    "Digest": {
        "DigestRegexp": GO_DIGEST_REGEXP,
        "DigestRegexpAnchored": GO_DIGEST_REGEXP_ANCHORED,
    },
}
