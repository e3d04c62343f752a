"""Resource scopes (distribution ``docs/spec/auth/scope.md``)::

    scope            := resourcetype ":" resourcename ":" action [ ',' action ]*
    resourcetype     := resourcetypevalue [ '(' resourcetypevalue ')' ]
    resourcetypevalue:= /[a-z0-9]+(?:[._-][a-z0-9]+)*/
    resourcename     := [ hostname '/' ] component [ '/' component ]*
    action           := /[a-z]*/

>>> parse("repository:library/ubuntu:pull,push")
Access(type='repository', name='library/ubuntu', actions=('pull', 'push'))
>>> str(parse("registry:catalog:*"))
'registry:catalog:*'
"""

from __future__ import annotations

from typing import NamedTuple

from specgen.distribution.grammar import NAME_REGEXP
from specgen.goregexp import GoRegexp

_TYPE = r"[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\([a-z0-9]+(?:[._-][a-z0-9]+)*\))?"
_ACTION = r"(?:[a-z]*|\*)"
#: One scope, as scope.md's grammar (``*`` allowed as an action, as registries use it for the catalog),
#: in Go's syntax like the rest of the grammar (the ``token_auth`` set declares it).
SCOPE_REGEXP = GoRegexp(rf"^({_TYPE}):({NAME_REGEXP.go_pattern}|catalog):({_ACTION}(?:,{_ACTION})*)$")
SCOPE = SCOPE_REGEXP.python


class Access(NamedTuple):
    """One resource and the actions asked for or granted on it (a JWT ``access`` entry)."""

    type: str
    name: str
    actions: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.type}:{self.name}:{','.join(self.actions)}"

    def claim(self) -> dict:
        return {"type": self.type, "name": self.name, "actions": list(self.actions)}


class ScopeError(ValueError):
    pass


def parse(scope: str) -> Access:
    """One scope string; ``ScopeError`` if it does not follow the grammar."""
    m = SCOPE_REGEXP.fullmatch(scope)
    if m is None:
        raise ScopeError(f"invalid scope {scope!r} (want type:name:action[,action...])")
    actions = tuple(dict.fromkeys(a for a in m.group(3).split(",") if a))
    return Access(m.group(1), m.group(2), actions)


def parse_many(values: list[str]) -> list[Access]:
    """The ``scope`` query parameters of a token request (each may hold several, space separated)."""
    return [parse(part) for value in values for part in value.split()]


def challenge_scope(accesses: list[Access]) -> str:
    """The ``scope`` of a challenge: each resource once, actions merged, space separated."""
    merged: dict[tuple[str, str], dict[str, None]] = {}
    for a in accesses:
        merged.setdefault((a.type, a.name), {}).update(dict.fromkeys(a.actions))
    return " ".join(f"{t}:{n}:{','.join(acts)}" for (t, n), acts in merged.items())
