"""``specgen diff``: every change between two descriptor sets, each classified by a named rule with
a level for clients and for servers (``rules``), found by ``compare`` and rendered by ``render``."""

from __future__ import annotations

from specgen.diff.changes import Change
from specgen.diff.compare import diff_sets
from specgen.diff.rules import BREAKING, COMPATIBLE, DOCS_ONLY, LEVELS, POTENTIALLY_BREAKING, RULES, Rule, severity

__all__ = [
    "BREAKING",
    "COMPATIBLE",
    "DOCS_ONLY",
    "LEVELS",
    "POTENTIALLY_BREAKING",
    "RULES",
    "Change",
    "Rule",
    "diff_sets",
    "severity",
]
