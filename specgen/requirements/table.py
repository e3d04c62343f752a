"""The requirements table: loading it, and proving each of its references real.

A descriptor locator names what states a requirement in the set:
``<route> <METHOD> [<status>] [<header> | ?<query parameter> | <ERROR_CODE>]`` (a request
header or parameter when no status is given, e.g. ``manifest PUT ?tag``), ``error <CODE>`` or
``grammar <name>``. ``honoured`` is a file of the checkout, optionally ``::name`` of a function,
class, constant or test in it; ``checked`` is a ``specgen check`` scenario.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path

import yaml

from specgen.errors import UserError
from specgen.model import DescriptorSet, MethodDescriptor, ParameterDescriptor, ResponseDescriptor

PARTIES = {"registry": "registry", "client": "client", "both": "registry and client"}


@dataclass(frozen=True)
class Requirement:
    id: str
    section: str
    level: str  # the key words, "/"-joined; "-" for an endpoint row
    sha: str
    party: str  # a key of PARTIES
    says: str  # the requirement in our words
    descriptor: str | None = None
    honoured: str | None = None
    checked: str | None = None
    gap: str | None = None  # why a column stays empty


def load(path: Path) -> list[Requirement]:
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"{path}: {exc}") from None
    known = {f.name for f in fields(Requirement)}
    out = []
    for i, entry in enumerate(entries or ()):
        if not isinstance(entry, dict) or not known.issuperset(entry) or "id" not in entry:
            raise UserError(f"{path}: entry {i + 1} is not a requirement (keys: {', '.join(sorted(known))})")
        out.append(Requirement(**entry))
    return out


def _method(dset: DescriptorSet, route: str, verb: str) -> MethodDescriptor | None:
    found = next((r for r in dset.routes if r.name == route), None)
    return next((m for m in found.methods or () if m.method == verb), None) if found else None


def _responses(method: MethodDescriptor, status: int) -> list[ResponseDescriptor]:
    return [
        s for q in method.requests or () for s in (q.successes or ()) + (q.failures or ()) if s.status_code == status
    ]


def _params(method: MethodDescriptor, query: bool) -> Iterator[ParameterDescriptor]:
    for q in method.requests or ():
        yield from (q.query_parameters or ()) if query else (q.headers or ()) + (q.path_parameters or ())


def locate(dset: DescriptorSet, locator: str) -> str | None:
    """None when ``locator`` names something of ``dset``, else what is wrong with it."""
    words = locator.split()
    if len(words) == 2 and words[0] == "error":
        return None if any(e.value == words[1] for e in dset.errors) else f"no error code {words[1]}"
    if len(words) == 2 and words[0] == "grammar":
        found = any(words[1] in group for group in (dset.grammar or {}).values())
        return None if found else f"no grammar entry {words[1]}"
    if len(words) < 2:
        return "too short"
    method = _method(dset, words[0], words[1])
    if method is None:
        return f"no {words[1]} on route {words[0]}"
    rest = words[2:]
    if rest and rest[0].isdigit():
        responses = _responses(method, int(rest[0]))
        if not responses:
            return f"no {rest[0]} response to {words[1]} {words[0]}"
        if len(rest) == 1:
            return None
        what = rest[1]
        if re.fullmatch(r"[A-Z_]+", what):
            ok = any(e.value == what for s in responses for e in s.error_codes or ())
        else:
            ok = any(h.name.lower() == what.lower() for s in responses for h in s.headers or ())
        return None if ok else f"no {what} in the {rest[0]} answers to {words[1]} {words[0]}"
    if not rest:
        return None
    what = rest[0]
    query = what.startswith("?")
    names = {p.name.lower() for p in _params(method, query)}
    return None if what.lstrip("?").lower() in names else f"{words[1]} {words[0]} has no parameter {what}"


def _defines(source: str, name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return (
        re.search(rf"^\s*(?:async\s+def|def|class)\s+{re.escape(last)}\b|^{re.escape(last)}\s*[:=]", source, re.M)
        is not None
    )


def problems(reqs: Iterable[Requirement], dset: DescriptorSet, root: Path, scenarios: Iterable[str]) -> list[str]:
    """Every reference of the table that does not resolve: descriptor locators against ``dset``,
    ``honoured`` files (and names in them) under ``root``, ``checked`` against ``scenarios``; and
    rows that leave a column empty without a reason."""
    names = set(scenarios)
    out: list[str] = []
    for r in reqs:
        if r.party not in PARTIES:
            out.append(f"{r.id}: party {r.party!r} is not one of {', '.join(PARTIES)}")
        if r.descriptor and (why := locate(dset, r.descriptor)):
            out.append(f"{r.id}: descriptor {r.descriptor!r}: {why}")
        if r.honoured:
            rel, _, name = r.honoured.partition("::")
            path = root / rel
            if not path.is_file():
                out.append(f"{r.id}: {rel} does not exist")
            elif name and not _defines(path.read_text(encoding="utf-8"), name):
                out.append(f"{r.id}: {rel} defines no {name}")
        if r.checked and r.checked not in names:
            out.append(f"{r.id}: no check scenario {r.checked!r}")
        if not (r.descriptor and r.honoured and r.checked) and not r.gap and r.party != "client":
            out.append(f"{r.id}: a column is empty and no gap says why")
    return out
