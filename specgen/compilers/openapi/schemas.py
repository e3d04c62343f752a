"""``components/schemas``: the set's own JSON Schemas the document refers to, and one error
envelope per list of codes; the set's schemas no body refers to go to the root ``x-schemas``.

Envelope names are short and stable: ``Errors`` + the code for one code (``ErrorsNameUnknown``),
else the first response using it (``PutManifest400Errors``: operationId and status)."""

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
        self._envelopes: dict[tuple[str, ...], str] = {}
        self._used: set[str] = set()
        for key, schema in dset.schemas.items():
            name = pascal(schema.get("title") or key) or "Schema"
            if name in self.schemas:
                name = f"{name}_{re.sub(r'[^A-Za-z0-9._-]', '_', key)}"
            body = {k: v for k, v in schema.items() if k != "$schema"}
            self.schemas[name] = {**body, "x-schema-key": key}
            self._key_names[key] = name

    def errors_ref(self, codes: list[str], owner: str = "") -> dict[str, Any]:
        """A reference to the errors envelope limited to ``codes`` (``owner``: the operationId and
        status of the response asking, which names an envelope of several codes)."""
        key = tuple(sorted(set(codes)))
        name = self._envelopes.get(key)
        if name is None:
            base = pascal(key[0].lower().replace("_", " ")) if len(key) == 1 else pascal(owner)
            name = f"Errors{base}" if len(key) == 1 else f"{base}Errors"
            while name in self.schemas:
                name += "_"
            schema = bodies.errors_schema(key)
            schema.pop("$schema", None)
            self.schemas[name] = {
                "description": "The errors envelope limited to the codes " + ", ".join(key) + ".",
                **schema,
            }
            self._envelopes[key] = name
        return self._ref(name)

    def _ref(self, name: str) -> dict[str, Any]:
        self._used.add(name)
        return {"$ref": f"#/components/schemas/{name}"}

    def variant_schema(self, variant: bodies.BodyVariant, codes: list[str], owner: str = "") -> dict[str, Any]:
        """The schema of one body variant; an error body gets the envelope limited to ``codes``."""
        if variant.schema_key is not None:
            return self._ref(self._key_names[variant.schema_key])
        if variant.schema is not None and codes:
            return self.errors_ref(codes, owner)
        if variant.schema is not None:
            return {k: v for k, v in variant.schema.items() if k != "$schema"}
        if variant.json:
            return {}
        media = variant.media_type if bodies.is_media_type(variant.media_type) else "application/octet-stream"
        # contentMediaType is 3.1's spelling; format: binary is what client generators read
        return {"type": "string", "format": "binary", "contentMediaType": media}

    def sorted(self) -> dict[str, Any]:
        """The schemas some body refers to, by name."""
        return {k: v for k, v in sorted(self.schemas.items()) if k in self._used}

    def unused(self) -> dict[str, Any]:
        """The set's schemas no body refers to (kept whole for ``x-schemas``)."""
        return {k: v for k, v in sorted(self.schemas.items()) if k not in self._used}
