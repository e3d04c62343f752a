"""The requirement sentences of a specification written in Markdown with RFC 2119 key words.

A requirement is a line outside code blocks holding a key word in capitals, or a row of the
endpoint table (``| end-…``); it is known by its section, its place in the section and the sha256
of its text (whitespace collapsed), so the table of requirements can name it without copying it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from specgen.naming import slug

KEYWORDS = re.compile(
    r"\b(MUST NOT|MUST|SHALL NOT|SHALL|SHOULD NOT|SHOULD|REQUIRED|NOT RECOMMENDED|RECOMMENDED|MAY|OPTIONAL)\b"
)
_HEADING = re.compile(r"^#+ (.+)$")


@dataclass(frozen=True)
class Sentence:
    id: str  # <section slug>-<n>, or the endpoint's own id (end-7b)
    section: str
    levels: tuple[str, ...]  # key words in order of appearance, each once; () for an endpoint row
    sha: str  # first 12 hex digits of the sha256 of the normalised text
    text: str


def fingerprint(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:12]


def sentences(markdown: str) -> list[Sentence]:
    """The requirement sentences of ``markdown`` in document order."""
    out: list[Sentence] = []
    section, fenced = "", False
    counts: dict[str, int] = {}
    for raw in markdown.splitlines():
        if raw.startswith("```"):
            fenced = not fenced
            continue
        heading = _HEADING.match(raw)
        if fenced or heading:
            section = heading.group(1).strip() if heading else section
            continue
        line = " ".join(raw.split())
        if "key words" in line:  # the notational conventions quote every key word
            continue
        endpoint = line.startswith("| end-")
        if not endpoint and not KEYWORDS.search(line):
            continue
        counts[section] = counts.get(section, 0) + 1
        ident = line.split("|")[1].strip() if endpoint else f"{slug(section)}-{counts[section]}"
        levels = tuple(dict.fromkeys(KEYWORDS.findall(line)))
        out.append(Sentence(ident, section, () if endpoint else levels, fingerprint(line), line))
    return out
