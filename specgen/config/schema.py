"""The JSON Schema (draft 2020-12) of the configuration file, derived from the settings table."""

from __future__ import annotations

from typing import Any

from specgen.config.settings import SECTIONS, SETTINGS, Setting

SCHEMA_ID = "https://specgen.dev/schemas/serve-config.json"


def _property(s: Setting) -> dict[str, Any]:
    prop: dict[str, Any] = {"type": [s.type, "null"] if s.nullable else s.type}
    if s.choices:
        prop["enum"] = list(s.choices) + ([None] if s.nullable else [])
    if s.minimum is not None:
        prop["minimum"] = s.minimum
    if s.maximum is not None:
        prop["maximum"] = s.maximum
    if s.exclusive_minimum is not None:
        prop["exclusiveMinimum"] = s.exclusive_minimum
    if s.type == "object":
        prop["additionalProperties"] = {"type": list(s.values) or "string"}
    prop.update(s.extra)
    prop["default"] = s.default
    prop["description"] = s.help
    if s.flag:
        prop["x-flag"] = s.flag
    prop["x-env"] = s.env_var
    return prop


def schema() -> dict[str, Any]:
    """The schema every configuration file is validated against (``specgen config-schema``)."""
    top: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {}
    for s in SETTINGS:
        if not s.section:
            top[s.name] = _property(s)
            continue
        sec = sections.setdefault(
            s.section,
            {
                "type": "object",
                "description": SECTIONS.get(s.section, ""),
                "additionalProperties": False,
                "properties": {},
            },
        )
        sec["properties"][s.name] = _property(s)
    ordered = {name: sections[name] for name in SECTIONS if name in sections}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "specgen serve configuration",
        "description": "The YAML file `specgen serve --config FILE` reads. Every key is optional; "
        "flags and SPECGEN_* environment variables override the file.",
        "type": "object",
        "additionalProperties": False,
        "properties": {**top, **ordered},
    }
