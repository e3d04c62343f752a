"""One difference between two descriptor sets: where it is, what it was and became, and its rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from specgen.diff.rules import RULES, Rule, severity


@dataclass(frozen=True)
class Change:
    """A change found by ``specgen.diff.compare``; ``route``..``item`` locate it (empty when the
    change is above that level), ``old``/``new`` are the values (``None`` for added/removed)."""

    rule: str
    route: str = ""
    method: str = ""
    request: str | None = None
    response: str = ""
    item: str = ""
    old: Any = None
    new: Any = None

    @property
    def definition(self) -> Rule:
        return RULES[self.rule]

    @property
    def clients(self) -> str:
        return RULES[self.rule].clients

    @property
    def servers(self) -> str:
        return RULES[self.rule].servers

    def level(self, side: str = "both") -> str:
        """The change's level for ``clients``, ``servers`` or the worse of both."""
        if side == "clients":
            return self.clients
        if side == "servers":
            return self.servers
        return max(self.clients, self.servers, key=severity)

    def where(self) -> str:
        """``route METHOD 'request' response: item``, as far as the change goes down."""
        parts = [p for p in (self.route, self.method) if p]
        if self.request is not None:
            parts.append(repr(self.request) if self.request else "(unnamed request)")
        if self.response:
            parts.append(self.response)
        text = " ".join(parts)
        if self.item:
            text = f"{text}: {self.item}" if text else self.item
        return text

    def describe(self) -> str:
        """What changed, in words: ``old → new`` for a changed value, else the rule's summary."""
        if self.old is not None and self.new is not None:
            return f"{_short(self.old)} → {_short(self.new)}"
        if self.new is not None:
            return f"added {_short(self.new)}"
        if self.old is not None:
            return f"removed {_short(self.old)}"
        return self.definition.summary

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "clients": self.clients,
            "servers": self.servers,
            "route": self.route,
            "method": self.method,
            "request": self.request,
            "response": self.response,
            "item": self.item,
            "old": self.old,
            "new": self.new,
            "where": self.where(),
            "summary": self.definition.summary,
        }


def _short(value: Any, limit: int = 120) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = text.replace("\n", "\\n").replace("\t", "\\t")
    return repr(text[: limit - 3] + "...") if len(text) > limit else repr(text)
