"""``build/<set>/openapi.json`` and ``openapi.yaml`` (OpenAPI 3.1) and ``openapi-3.0.json`` (3.0.3)."""

from __future__ import annotations

from typing import Iterator

from specgen.model import DescriptorSet
from specgen.openapi import compile_openapi, render


def outputs(dset: DescriptorSet) -> Iterator[tuple[str, bytes]]:
    doc = compile_openapi(dset, "3.1")
    yield "openapi.json", render(doc, "json")
    yield "openapi.yaml", render(doc, "yaml")
    yield "openapi-3.0.json", render(compile_openapi(dset, "3.0"), "json")
