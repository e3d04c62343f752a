"""JSON Schemas of the registry's JSON bodies (filled in by the OpenAPI work)."""

SCHEMAS: dict = {}
