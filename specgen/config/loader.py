"""Reading a configuration file (YAML, with the line of every key from the parser's marks),
validating it against the schema, and layering defaults < file < ``SPECGEN_*`` variables < flags.

Every failure is a ``UserError`` (exit 2) naming the file, the line and the dotted key.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from specgen.config.schema import schema
from specgen.config.settings import BY_KEY, SETTINGS, Setting, defaults
from specgen.errors import UserError


@dataclass
class Loaded:
    """A parsed file: its nested values and the line (1-based) of each dotted key path."""

    path: str
    data: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)

    def line(self, key: str) -> int | None:
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key.rpartition(".")[0]
        return self.lines.get("")


def _where(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line else path


def _value(node: yaml.Node, path: str, key: str, lines: dict[str, int]) -> Any:
    """Python value of ``node`` (mappings keep every key's line); duplicate keys are errors."""
    lines[key] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for knode, vnode in node.value:
            name = yaml.safe_load(yaml.serialize(knode)) if not isinstance(knode, yaml.ScalarNode) else knode.value
            if not isinstance(name, str):
                raise UserError(f"{_where(path, knode.start_mark.line + 1)}: a key must be a string, not {name!r}")
            sub = f"{key}.{name}" if key else name
            if name in out:
                raise UserError(f"{_where(path, knode.start_mark.line + 1)}: {sub}: key given twice")
            out[name] = _value(vnode, path, sub, lines)
            lines[sub] = knode.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_value(item, path, f"{key}.{i}", lines) for i, item in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def load_file(path: str | os.PathLike[str]) -> Loaded:
    """Parse a YAML configuration file (not yet validated)."""
    name = os.fspath(path)
    try:
        text = Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read configuration {name}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise UserError(f"{_where(name, line)}: not YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{name}: not YAML: {exc}") from None
    if node is None:
        return Loaded(name, {}, {"": 1})
    lines: dict[str, int] = {}
    try:
        data = _value(node, name, "", lines)
    except yaml.YAMLError as exc:  # a bad scalar (say, an invalid timestamp)
        raise UserError(f"{name}: not YAML: {exc}") from None
    if not isinstance(data, dict):
        raise UserError(
            f"{_where(name, 1)}: the configuration must be a mapping of sections, not {type(data).__name__}"
        )
    return Loaded(name, data, lines)


def validate(loaded: Loaded) -> None:
    """Check the file against the schema; a ``UserError`` naming each problem's line and key."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    problems = []
    for error in sorted(validator.iter_errors(loaded.data), key=lambda e: [str(p) for p in e.absolute_path]):
        key = ".".join(str(p) for p in error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = sorted((error.schema.get("properties") or {}).keys())
            for extra in sorted(set(error.instance) - set(known)):
                sub = f"{key}.{extra}" if key else extra
                problems.append(
                    f"{_where(loaded.path, loaded.line(sub))}: {sub}: unknown key (known here: {', '.join(known)})"
                )
            continue
        problems.append(f"{_where(loaded.path, loaded.line(key))}: {key or '(top)'}: {_message(error)}")
    if problems:
        raise UserError("invalid configuration:\n  " + "\n  ".join(problems))


def _message(error: Any) -> str:
    if error.validator == "type":
        want = error.validator_value
        want = " or ".join(want) if isinstance(want, list) else want
        return f"{error.instance!r} is not of type {want}"
    return str(error.message)


def flatten(data: Mapping[str, Any]) -> dict[str, Any]:
    """``{"http": {"port": 1}}`` → ``{"http.port": 1}`` for the keys of the table."""
    out: dict[str, Any] = {}
    for key in BY_KEY:
        node: Any = data
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                break
            node = node[part]
        else:
            out[key] = node
    return out


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """The reverse of ``flatten``."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        *parents, last = key.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def parse_text(setting: Setting, text: str, source: str) -> Any:
    """A value for ``setting`` from text (an environment variable); ``UserError`` naming ``source``."""
    t = setting.type
    if setting.nullable and text.strip().lower() in ("", "null", "none"):
        return None
    try:
        if t == "boolean":
            low = text.strip().lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError("not a boolean (true/false, yes/no, on/off, 1/0)")
        if t == "integer":
            return int(text)
        if t == "number":
            value = float(text)
            if not math.isfinite(value):
                raise ValueError("not a finite number")
            return int(value) if value.is_integer() else value
        if t == "object":
            value = json.loads(text or "{}")
            if not isinstance(value, dict):
                raise ValueError("not a JSON object")
            return value
    except ValueError as exc:
        raise UserError(f"{source}: {text!r}: {exc}") from None
    return text


def from_env(environ: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """(flat values, key → variable name) of the ``SPECGEN_*`` variables set in ``environ``."""
    values, sources = {}, {}
    for s in SETTINGS:
        if s.env_var in environ:
            values[s.key] = parse_text(s, environ[s.env_var], s.env_var)
            sources[s.key] = s.env_var
    return values, sources


def check_values(flat: Mapping[str, Any], sources: Mapping[str, str]) -> None:
    """Validate the merged settings (so a bad variable or flag is named like a bad file key)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    for error in validator.iter_errors(nest(flat)):
        key = ".".join(str(p) for p in error.absolute_path)
        source = sources.get(key, key)
        raise UserError(f"{source} ({key}): {_message(error)}")


@dataclass
class Resolved:
    """The settings in effect, flat by dotted key, and where each non-default one came from."""

    values: dict[str, Any]
    sources: dict[str, str]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def nested(self) -> dict[str, Any]:
        return nest(self.values)


def resolve(
    config: str | os.PathLike[str] | None,
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Resolved:
    """defaults < the file ``config`` < ``SPECGEN_*`` variables of ``environ`` < ``flags``
    (a flat mapping of the keys given on the command line)."""
    values = defaults()
    sources: dict[str, str] = {}
    if config is not None:
        loaded = load_file(config)
        validate(loaded)
        for key, value in flatten(loaded.data).items():
            values[key] = value
            sources[key] = _where(loaded.path, loaded.line(key))
    env_values, env_sources = from_env(os.environ if environ is None else environ)
    for key, value in env_values.items():
        if BY_KEY[key].type == "object" and isinstance(value, dict):
            value = {**(values.get(key) or {}), **value}  # a variable adds to the file's parameters
        values[key] = value
    sources.update(env_sources)
    for key, value in (flags or {}).items():
        setting = BY_KEY[key]
        if setting.type == "object" and isinstance(value, dict):
            value = {**(values.get(key) or {}), **value}  # flags add to the file's parameters
        values[key] = value
        sources[key] = setting.flag or key
    check_values(values, sources)
    return Resolved(values, sources)
