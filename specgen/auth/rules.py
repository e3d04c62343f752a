"""Access rules: who may do what on which resource.

A rules file (YAML)::

    groups:
      devs: [alice, bob]
    rules:
      - repository: "team/**"        # * = any characters but '/', ** = any characters
        groups: [devs]
        actions: [pull, push, delete]
      - repository: "${user}/**"      # ${user}: the caller's own name
        users: ["*"]                  # "*": any authenticated user
        actions: [pull, push]
      - repository: "public/**"
        anonymous: true               # also callers without credentials
        actions: [pull]
      - registry: catalog
        users: [alice]
        actions: ["*"]

A request is allowed the union of what the rules matching it grant; nothing else. Without a rules
file every authenticated user may do everything (distribution's htpasswd behaviour), and
``--anonymous-pull`` adds pull on every repository for callers without credentials.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specgen.auth.scopes import Access
from specgen.errors import UserError

#: The actions a rule may grant on a repository; ``*`` grants them all.
REPOSITORY_ACTIONS = ("pull", "push", "delete")
#: ``*`` is the only action on ``registry:catalog`` (listing it).
CATALOG_ACTIONS = ("*",)
ANYONE = "*"

_RULE_KEYS = {"repository", "registry", "users", "groups", "anonymous", "actions"}


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A repository pattern as a regex: ``**`` any characters, ``*`` any but ``/``, ``${user}``
    the caller's name (filled in before matching)."""
    out = []
    for part in re.split(r"(\*\*|\*)", pattern):
        out.append(".*" if part == "**" else "[^/]*" if part == "*" else re.escape(part))
    return re.compile("".join(out))


@dataclass(frozen=True)
class Rule:
    type: str  # "repository" or "registry"
    pattern: str
    actions: tuple[str, ...]
    users: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    anonymous: bool = False

    def applies_to(self, user: str | None, groups: Iterable[str]) -> bool:
        if user is None:
            return self.anonymous
        return ANYONE in self.users or user in self.users or bool(self.groups.intersection(groups))

    def matches(self, type: str, name: str, user: str | None) -> bool:
        if type != self.type:
            return False
        pattern = self.pattern
        if "${user}" in pattern:
            if user is None:
                return False
            pattern = pattern.replace("${user}", user)
        return compile_pattern(pattern).fullmatch(name) is not None


@dataclass
class Rules:
    rules: list[Rule]
    groups: dict[str, frozenset[str]] = field(default_factory=dict)

    def groups_of(self, user: str | None) -> set[str]:
        return {g for g, members in self.groups.items() if user is not None and user in members}

    def granted(self, user: str | None, access: Access) -> tuple[str, ...]:
        """The actions of ``access`` that ``user`` (``None``: anonymous) may do, in its order."""
        allowed: set[str] = set()
        groups = self.groups_of(user)
        for rule in self.rules:
            if rule.applies_to(user, groups) and rule.matches(access.type, access.name, user):
                allowed.update(
                    REPOSITORY_ACTIONS if rule.type == "repository" and "*" in rule.actions else rule.actions
                )
        return tuple(a for a in access.actions if a in allowed or (a == "*" and "*" in allowed))

    def may(self, user: str | None, type: str, name: str, action: str) -> bool:
        return bool(self.granted(user, Access(type, name, (action,))))

    @classmethod
    def default(cls, anonymous_pull: bool = False) -> Rules:
        """Every authenticated user may do everything; anonymous callers may pull if asked."""
        rules = [
            Rule("repository", "**", ("*",), users=frozenset({ANYONE})),
            Rule("registry", "catalog", ("*",), users=frozenset({ANYONE})),
        ]
        return cls(rules + (_anonymous_pull() if anonymous_pull else []))

    @classmethod
    def load(cls, path: str | Path, anonymous_pull: bool = False) -> Rules:
        """Read a rules file; a ``UserError`` says what is wrong and where."""
        import yaml

        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise UserError(f"cannot read access rules {path}: {str(exc).splitlines()[0]}") from None
        return cls.parse(data, str(path), anonymous_pull)

    @classmethod
    def parse(cls, data: Any, where: str = "rules", anonymous_pull: bool = False) -> Rules:
        if not isinstance(data, dict) or set(data) - {"groups", "rules"}:
            raise UserError(f"access rules {where}: want a mapping with 'groups' and 'rules'")
        groups: dict[str, frozenset[str]] = {}
        for name, members in (data.get("groups") or {}).items():
            if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
                raise UserError(f"access rules {where}: group {name!r} must be a list of user names")
            groups[str(name)] = frozenset(members)
        rules = []
        for i, item in enumerate(data.get("rules") or [], 1):
            rules.append(_rule(item, f"access rules {where} rule {i}", groups))
        return cls(rules + (_anonymous_pull() if anonymous_pull else []), groups)


def _anonymous_pull() -> list[Rule]:
    return [Rule("repository", "**", ("pull",), anonymous=True)]


def _rule(item: Any, where: str, groups: dict[str, frozenset[str]]) -> Rule:
    if not isinstance(item, dict):
        raise UserError(f"{where}: want a mapping")
    unknown = set(item) - _RULE_KEYS
    if unknown:
        raise UserError(f"{where}: unknown key {sorted(unknown)[0]!r} (known: {', '.join(sorted(_RULE_KEYS))})")
    if ("repository" in item) == ("registry" in item):
        raise UserError(f"{where}: name either 'repository: PATTERN' or 'registry: catalog'")
    known: tuple[str, ...]
    if "registry" in item:
        if item["registry"] != "catalog":
            raise UserError(f"{where}: the only registry resource is 'catalog'")
        type, pattern, known = "registry", "catalog", tuple(CATALOG_ACTIONS)
    else:
        type, pattern, known = "repository", str(item["repository"]), ("*",) + REPOSITORY_ACTIONS
    actions = item.get("actions")
    if not isinstance(actions, list) or not actions:
        raise UserError(f"{where}: 'actions' must be a list (of {', '.join(known)})")
    for action in actions:
        if action not in known:
            raise UserError(f"{where}: unknown action {action!r} (known: {', '.join(known)})")
    users = item.get("users") or []
    grps = item.get("groups") or []
    if not isinstance(users, list) or not isinstance(grps, list):
        raise UserError(f"{where}: 'users' and 'groups' must be lists")
    for g in grps:
        if g not in groups:
            raise UserError(f"{where}: unknown group {g!r}")
    anonymous = item.get("anonymous", False)
    if not isinstance(anonymous, bool):
        raise UserError(f"{where}: 'anonymous' must be true or false")
    if not users and not grps and not anonymous:
        raise UserError(f"{where}: grants nobody anything (give users, groups or anonymous: true)")
    return Rule(type, pattern, tuple(actions), frozenset(map(str, users)), frozenset(map(str, grps)), anonymous)
