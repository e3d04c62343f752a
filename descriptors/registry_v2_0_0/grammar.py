"""The patterns distribution v2.0.0 had instead of the reference grammar: repository names from
``registry/api/v2/names.go`` and the in-tree ``digest`` package (tarsum included)."""

from __future__ import annotations

from specgen.descriptors.registry_v2_8_2 import grammar as v2_8_2
from specgen.goregexp import GoRegexp

REPOSITORY_NAME_COMPONENT = r"[a-z0-9]+(?:[._-][a-z0-9]+)*"
REPOSITORY_NAME = "(?:" + REPOSITORY_NAME_COMPONENT + "/)*" + REPOSITORY_NAME_COMPONENT
TAG_NAME = r"[\w][\w.-]{0,127}"

REPOSITORY_NAME_REGEXP = GoRegexp(REPOSITORY_NAME)

GRAMMAR = {
    "Digest": {
        **v2_8_2.GRAMMAR["Digest"],
        "TarsumRegexp": GoRegexp(r"tarsum(?:.[a-z0-9]+)?\+[a-zA-Z0-9]+:[A-Fa-f0-9]+"),
        "TarsumRegexpCapturing": GoRegexp(r"(tarsum)(.([a-z0-9]+))?\+([a-zA-Z0-9]+):([A-Fa-f0-9]+)"),
    },
    "Names": {
        "RepositoryNameComponentAnchoredRegexp": GoRegexp("^" + REPOSITORY_NAME_COMPONENT + "$"),
        "RepositoryNameComponentRegexp": GoRegexp(REPOSITORY_NAME_COMPONENT),
        "RepositoryNameRegexp": REPOSITORY_NAME_REGEXP,
        "TagNameRegexp": GoRegexp(TAG_NAME),
    },
}
