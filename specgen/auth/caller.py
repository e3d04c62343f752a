"""Who made a request, as the access controller (``specgen.auth.controller``) let it through: kept
apart from the controller so that handlers can ask without loading the token and password
machinery (JWT, cryptography, bcrypt) into a server that runs without authentication."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

#: The ASGI scope key of the ``Caller`` of a request the controller let through.
CALLER = "specgen.auth.caller"


@dataclass(frozen=True)
class Caller:
    """Who made a request (``None``: anonymous) and what they may do."""

    user: str | None
    may: Callable[[str, str, str], bool]

    def may_pull(self, repository: str) -> bool:
        return self.may("repository", repository, "pull")


def caller(scope: Mapping[str, Any]) -> Caller | None:
    """The caller of a request, ``None`` when no access controller is in front of the app."""
    return scope.get(CALLER)
