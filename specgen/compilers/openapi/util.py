"""Small list and text helpers the OpenAPI pieces share."""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus
from typing import Any


def join(texts: Iterable[str]) -> str:
    """Distinct non-empty texts, in first-seen order, as paragraphs."""
    return "\n\n".join(dict.fromkeys(t for t in texts if t))


def dedupe(items: Iterable[Any]) -> list[Any]:
    """Distinct items (hashable or not), in first-seen order."""
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def status_text(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"
