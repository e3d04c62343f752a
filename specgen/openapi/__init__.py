"""OpenAPI 3.1 / 3.0.3 documents compiled from a descriptor set (see docs/openapi.md).

    >>> from synthetic import SYNTHETIC_SET                     # doctest: +SKIP
    >>> doc = compile_openapi(SYNTHETIC_SET)                    # doctest: +SKIP
    >>> sorted(doc["paths"])                                    # doctest: +SKIP
    ['/api/{shelf}/widgets', '/api/{shelf}/widgets/{id}']
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from specgen.build import GENERATED_NOTE
from specgen.openapi.compiler import VERSIONS, compile_openapi

__all__ = ["FORMATS", "VERSIONS", "compile_openapi", "render"]
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
        return (f"# {GENERATED_NOTE}\n" + text).encode("utf-8")
    raise ValueError(f"unknown format {fmt!r} (choose {', '.join(FORMATS)})")
