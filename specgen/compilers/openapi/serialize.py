"""An OpenAPI document as bytes: JSON, or YAML with the generated-file note on top."""

from __future__ import annotations

import json
from typing import Any

import yaml

from specgen.compilers.note import hash_comment

FORMATS = ("json", "yaml")


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as literal blocks, so descriptions stay readable in YAML."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def render(doc: dict[str, Any], fmt: str = "json") -> bytes:
    """The document as bytes: JSON (2-space indent) or YAML (with a generated-file header)."""
    if fmt == "json":
        return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if fmt == "yaml":
        text = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
        return (hash_comment() + text).encode("utf-8")
    raise ValueError(f"unknown format {fmt!r} (choose {', '.join(FORMATS)})")
