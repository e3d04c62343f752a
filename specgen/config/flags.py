"""``specgen serve``'s options, generated from the settings table: one flag per keyed setting,
booleans as ``--x`` / ``--no-x``, an object as a repeatable ``--flag KEY=VALUE``.

Every generated option defaults to "not given" (``argparse.SUPPRESS``), so ``given(args)`` returns
exactly what the command line set, which then overrides the file and the environment."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any

from specgen.config.loader import parse_text
from specgen.config.settings import SETTINGS, Setting
from specgen.errors import UserError


def _default_text(s: Setting) -> str:
    if s.type == "boolean":
        return "on" if s.default else "off"
    return "none" if s.default in (None, {}) else str(s.default)


def add_arguments(parser: argparse.ArgumentParser, sections: Iterable[str] | None = None) -> None:
    """Add an option for every setting that has a flag (of ``sections`` only, when given)."""
    wanted = None if sections is None else set(sections)
    for s in SETTINGS:
        if not s.flag or (wanted is not None and s.section not in wanted):
            continue
        help = f"{s.help} (config key {s.key}, ${s.env_var}; default: {_default_text(s)})"
        kw: dict[str, Any] = {"dest": s.dest, "default": argparse.SUPPRESS, "help": help.replace("%", "%%")}
        if s.type == "boolean":
            parser.add_argument(s.flag, action=argparse.BooleanOptionalAction, **kw)
            continue
        if s.metavar:
            kw["metavar"] = s.metavar
        elif s.choices:
            kw["metavar"] = "{" + ",".join(s.choices) + "}"
        else:
            kw["metavar"] = s.name.upper()
        # values are parsed and checked after argparse, so a bad one is named as a bad file key
        # is (one "specgen: error:" line, exit 2), not with argparse's usage text
        parser.add_argument(s.flag, action="append" if s.type == "object" else "store", **kw)


def given(args: argparse.Namespace) -> dict[str, Any]:
    """The settings the command line gave, by dotted key (``KEY=VALUE`` lists become objects)."""
    out: dict[str, Any] = {}
    for s in SETTINGS:
        if not s.flag or not hasattr(args, s.dest):
            continue
        value = getattr(args, s.dest)
        if s.type == "object":
            obj: dict[str, Any] = {}
            for item in value:
                key, sep, v = item.partition("=")
                if not sep or not key:
                    raise UserError(f"{s.flag} {item!r} is not KEY=VALUE")
                obj[key] = v
            value = obj
        elif s.type != "boolean":
            value = parse_text(s, value, s.flag)
        out[s.key] = value
    return out
