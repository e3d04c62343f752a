"""``components/schemas``: the set's own JSON Schemas, and one error envelope per list of codes."""

from __future__ import annotations

import re
from typing import Any

from specgen import bodies
from specgen.model import DescriptorSet
from specgen.naming import pascal


class Components:
    """The schemas of one document, named once and referenced by ``$ref``."""

    def __init__(self, dset: DescriptorSet) -> None:
        self.schemas: dict[str, Any] = {}
        self._key_names: dict[str, str] = {}
        for key, schema in dset.schemas.items():
            name = pascal(schema.get("title") or key) or "Schema"
            if name in self.schemas:
                name = f"{name}_{re.sub(r'[^A-Za-z0-9._-]', '_', key)}"
            body = {k: v for k, v in schema.items() if k != "$schema"}
            self.schemas[name] = {**body, "x-schema-key": key}
            self._key_names[key] = name

    def errors_ref(self, codes: list[str]) -> dict[str, Any]:
        """A reference to the errors envelope limited to ``codes``."""
        codes = sorted(set(codes))
        name = "Errors_" + "_".join(re.sub(r"[^A-Za-z0-9]", "_", c) for c in codes)
        if name not in self.schemas:
            schema = bodies.errors_schema(codes)
            schema.pop("$schema", None)
            self.schemas[name] = {
                "description": "The errors envelope limited to the codes " + ", ".join(codes) + ".",
                **schema,
            }
        return {"$ref": f"#/components/schemas/{name}"}

    def variant_schema(self, variant: bodies.BodyVariant, codes: list[str]) -> dict[str, Any]:
        """The schema of one body variant; an error body gets the envelope limited to ``codes``."""
        if variant.schema_key is not None:
            return {"$ref": f"#/components/schemas/{self._key_names[variant.schema_key]}"}
        if variant.schema is not None and codes:
            return self.errors_ref(codes)
        if variant.schema is not None:
            return {k: v for k, v in variant.schema.items() if k != "$schema"}
        if variant.json:
            return {}
        media = variant.media_type if bodies.is_media_type(variant.media_type) else "application/octet-stream"
        return {"type": "string", "contentMediaType": media}

    def sorted(self) -> dict[str, Any]:
        return dict(sorted(self.schemas.items()))
