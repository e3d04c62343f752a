"""Python identifiers from descriptor names: ``"Initiate Monolithic Blob Upload"`` →
``initiate_monolithic_blob_upload`` / ``InitiateMonolithicBlobUpload``; ``"from"`` → ``from_``."""

from __future__ import annotations

import keyword
import re


#: Attribute names the runtime request object already uses.
RESERVED = frozenset({"self", "method", "path", "query", "headers", "scope", "receive", "stream",
                      "read", "route", "operation", "base_url", "query_params"})


def snake(text: str) -> str:
    """``"Content-Length"`` → ``content_length``; keywords get a trailing underscore."""
    words = re.findall(r"[A-Za-z0-9]+", text)
    ident = "_".join(w.lower() for w in words) or "_"
    if ident[0].isdigit():
        ident = "_" + ident
    if keyword.iskeyword(ident) or ident in RESERVED:
        ident += "_"
    return ident


def camel(text: str) -> str:
    """``"get blob-upload"`` → ``GetBlobUpload``."""
    words = re.findall(r"[A-Za-z0-9]+", text)
    ident = "".join(w[:1].upper() + w[1:] for w in words) or "X"
    return "_" + ident if ident[0].isdigit() else ident
