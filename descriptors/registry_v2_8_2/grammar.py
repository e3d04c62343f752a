"""The reference grammar at distribution v2.8.2 (its in-tree ``reference/regexp.go``) and the digest
pattern of the go-digest it vendored: what main's ``specgen.distribution.grammar`` was before
github.com/distribution/reference allowed IPv6 domains and made the ``-`` separator ``[-]+``."""

from __future__ import annotations

from specgen.distribution import grammar as main
from specgen.goregexp import GoRegexp


def _optional(*parts: str) -> str:
    return "(?:" + "".join(parts) + ")?"


def _repeated(*parts: str) -> str:
    return "(?:" + "".join(parts) + ")+"


def _capture(*parts: str) -> str:
    return "(" + "".join(parts) + ")"


def _anchored(*parts: str) -> str:
    return "^" + "".join(parts) + "$"


# Changed since: main's domain adds IPv6 addresses; its separator is [-]+ where v2.8.2 had [-]*.
SEPARATOR = r"(?:[._]|__|[-]*)"
DOMAIN_COMPONENT = main.DOMAIN_NAME_COMPONENT
DOMAIN = DOMAIN_COMPONENT + _optional(_repeated(r"\.", DOMAIN_COMPONENT)) + _optional(":", r"[0-9]+")
NAME_COMPONENT = main.ALPHANUMERIC + _optional(_repeated(SEPARATOR, main.ALPHANUMERIC))
REMOTE_NAME = NAME_COMPONENT + _optional(_repeated("/", NAME_COMPONENT))
NAME = _optional(DOMAIN, "/") + REMOTE_NAME
REFERENCE = _anchored(_capture(NAME), _optional(":", _capture(main.TAG)), _optional("@", _capture(main.DIGEST)))
#: Removed since: the short identifier (a prefix of an image ID).
SHORT_IDENTIFIER = r"([a-f0-9]{6,64})"
#: go-digest before v1.0.0: any algorithm-ish prefix, hex only.
GO_DIGEST = r"[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+"

NAME_REGEXP = GoRegexp(NAME)
GO_DIGEST_REGEXP = GoRegexp(GO_DIGEST)

GRAMMAR = {
    "Reference": {
        "DigestRegexp": main.DIGEST_REGEXP,
        "DomainRegexp": GoRegexp(DOMAIN),
        "IdentifierRegexp": main.IDENTIFIER_REGEXP,
        "NameRegexp": NAME_REGEXP,
        "ReferenceRegexp": GoRegexp(REFERENCE),
        "ShortIdentifierRegexp": GoRegexp(SHORT_IDENTIFIER),
        "TagRegexp": main.TAG_REGEXP,
    },
    "ReferenceUnexported": {
        "anchoredDigestRegexp": main.ANCHORED_DIGEST_REGEXP,
        "anchoredIdentifierRegexp": main.ANCHORED_IDENTIFIER_REGEXP,
        "anchoredNameRegexp": GoRegexp(
            _anchored(_optional(_capture(DOMAIN), "/"), _capture(NAME_COMPONENT, _optional(_repeated("/", NAME_COMPONENT))))
        ),
        "anchoredShortIdentifierRegexp": GoRegexp(_anchored(SHORT_IDENTIFIER)),
        "anchoredTagRegexp": main.ANCHORED_TAG_REGEXP,
    },
    "Digest": {
        "DigestRegexp": GO_DIGEST_REGEXP,
        "DigestRegexpAnchored": GoRegexp(_anchored(GO_DIGEST)),
    },
}
