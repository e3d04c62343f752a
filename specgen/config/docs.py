"""``docs/configuration.md``, generated from the schema (``specgen build`` writes it, ``specgen
build --check`` fails when it differs, as for ``build/``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from specgen.compilers.note import GENERATED_NOTE
from specgen.config.schema import schema
from specgen.config.settings import SECTIONS
from specgen.layout import PACKAGE

#: Where the generated page lives in a checkout (an installed wheel has no docs/).
DOC_PATH = PACKAGE.parent / "docs" / "configuration.md"


def _json(value: Any) -> str:
    return f"`{json.dumps(value)}`"


def _type(prop: dict[str, Any]) -> str:
    t = prop["type"]
    text = " or ".join(t) if isinstance(t, list) else t
    if "enum" in prop:
        text += ": " + ", ".join(_json(v) for v in prop["enum"])
    bounds = []
    if "minimum" in prop:
        bounds.append(f"≥ {prop['minimum']}")
    if "exclusiveMinimum" in prop:
        bounds.append(f"> {prop['exclusiveMinimum']}")
    if "maximum" in prop:
        bounds.append(f"≤ {prop['maximum']}")
    if bounds:
        text += " (" + ", ".join(bounds) + ")"
    return text


def _example(doc: dict[str, Any]) -> str:
    example: dict[str, Any] = {}
    for name, prop in doc["properties"].items():
        if "properties" in prop:
            example[name] = {k: p["default"] for k, p in prop["properties"].items()}
        else:
            example[name] = prop["default"]
    return yaml.safe_dump(example, sort_keys=False, default_flow_style=False)


def render() -> str:
    """The Markdown page."""
    doc = schema()
    out = [
        "# Configuration of `specgen serve`",
        "",
        f"<!-- {GENERATED_NOTE}: from specgen/config/settings.py -->",
        "",
        "`specgen serve --config registry.yml` reads a YAML file; every key is optional. Flags override "
        "`SPECGEN_*` environment variables, which override the file, which overrides the defaults. "
        "The file is validated at start against a JSON Schema shipped in the package "
        "(`specgen config-schema` prints it; point your editor's YAML language server at it); "
        "`specgen serve --config registry.yml --check-config` only validates. An error names the key "
        "and its line, and the command exits with status 2:",
        "",
        "```",
        "specgen: error: invalid configuration:",
        "  registry.yml:4: http.port: 70000 is greater than the maximum of 65535",
        "```",
        "",
        "## Every key with its default",
        "",
        "```yaml",
        _example(doc).rstrip(),
        "```",
        "",
    ]
    for name, prop in doc["properties"].items():
        if "properties" in prop:
            out += [f"## `{name}`", "", SECTIONS.get(name, prop.get("description", "")), ""]
            items = [(f"{name}.{k}", p) for k, p in prop["properties"].items()]
        else:
            items = [(name, prop)]
            out += [f"## `{name}`", ""]
        out += ["| Key | Type | Default | Flag | Variable | Meaning |", "|---|---|---|---|---|---|"]
        for key, p in items:
            flag = f"`{p['x-flag']}`" if "x-flag" in p else ""
            if "x-flag" in p and p["type"] == "boolean":
                flag = f"`{p['x-flag']}` / `--no-{p['x-flag'][2:]}`"
            meaning = p["description"].replace("|", "\\|")
            out.append(f"| `{key}` | {_type(p)} | {_json(p['default'])} | {flag} | `{p['x-env']}` | {meaning} |")
        out.append("")
    return "\n".join(out)


def stale(path: Path = DOC_PATH) -> list[str]:
    """A line naming ``path`` when it differs from ``render()``; nothing outside a checkout."""
    if not path.parent.is_dir():
        return []
    if not path.is_file():
        return [f"missing: {path}"]
    return [] if path.read_text(encoding="utf-8") == render() else [f"stale: {path}"]


def write(path: Path = DOC_PATH) -> bool:
    """Write the page in a checkout; whether it was written."""
    if not path.parent.is_dir():
        return False
    text = render()
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return True
