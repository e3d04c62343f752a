"""Names derived from descriptor text, for every compiler: Python identifiers, OpenAPI ids, anchors.

One word splitter serves them all: runs of ASCII letters and digits are words, anything else
separates them; ``split_camel`` also splits ``artifactType`` into ``artifact`` and ``Type``.

>>> snake("Initiate Monolithic Blob Upload")
'initiate_monolithic_blob_upload'
>>> snake("artifactType"), snake("artifactType", split_camel=True)
('artifacttype', 'artifact_type')
>>> pascal("get blob-upload"), camel("GET blob-upload")
('GetBlobUpload', 'getBlobUpload')
>>> identifier("from"), identifier("Content-Length"), identifier("2xx")
('from_', 'content_length', '_2xx')
>>> class_name("fetch_blob result")
'FetchBlobResult'
>>> slug("Blob Upload!")
'blob-upload'
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Set as AbstractSet

#: Python's keywords: never usable as a name.
KEYWORDS = frozenset(keyword.kwlist)
#: Names of Python's builtins: legal, but shadowing them confuses readers of generated code.
BUILTINS = frozenset(dir(builtins))

_WORD = re.compile(r"[A-Za-z0-9]+")
_HUMP = re.compile(r"([a-z0-9])([A-Z])")
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


def words(text: str, *, split_camel: bool = False) -> list[str]:
    """The words of ``text``; with ``split_camel`` a lower-to-upper step starts a word too."""
    if split_camel:
        text = _HUMP.sub(r"\1 \2", text)
    return _WORD.findall(text)


def snake(text: str, *, split_camel: bool = False) -> str:
    """``"Content-Length"`` → ``content_length`` (``""`` when ``text`` has no word)."""
    return "_".join(w.lower() for w in words(text, split_camel=split_camel))


def pascal(text: str) -> str:
    """``"get blob-upload"`` → ``GetBlobUpload``: each word's first letter upper-cased, the rest kept."""
    return "".join(w[:1].upper() + w[1:] for w in words(text))


def camel(text: str) -> str:
    """``"blob-upload chunk"`` → ``blobUploadChunk``; a leading all-capitals word is lower-cased
    whole (``"GET blob"`` → ``getBlob``)."""
    parts = words(text)
    out = pascal(text)
    if not parts:
        return out
    first = parts[0]
    head = first.lower() if first.isupper() and len(first) > 1 else first[:1].lower() + first[1:]
    return head + out[len(first) :]


def identifier(text: str, *, avoid: AbstractSet[str] = KEYWORDS, split_camel: bool = False) -> str:
    """``text`` as a snake-case Python name: ``_`` when it has no word, ``_`` before a leading
    digit, and a trailing ``_`` when the name is in ``avoid`` (Python's keywords by default)."""
    return _usable(snake(text, split_camel=split_camel), avoid)


def class_name(text: str, *, avoid: AbstractSet[str] = frozenset()) -> str:
    """``text`` as a CapWords Python name (``"fetch_blob result"`` → ``FetchBlobResult``)."""
    return _usable(pascal(text), avoid)


def _usable(name: str, avoid: AbstractSet[str]) -> str:
    name = name or "_"
    if name[0].isdigit():
        name = "_" + name
    return name + "_" if name in avoid else name


def slug(text: object) -> str:
    """An anchor-safe form: lower case, runs of other characters as one dash."""
    return _SLUG_JUNK.sub("-", str(text).lower()).strip("-")
