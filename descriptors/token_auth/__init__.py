"""The descriptor set ``token_auth``: the token service a registry with bearer authentication sends
clients to, from distribution's docs/spec/auth/ (token.md, oauth.md, jwt.md, scope.md), which state
it in prose only. ``specgen token-server`` serves its generated stub."""

from __future__ import annotations

from pathlib import Path

from specgen.auth.scopes import SCOPE_REGEXP
from specgen.descriptors.token_auth import errors, routes, schemas
from specgen.model import DescriptorSet

DESCRIPTOR_SET = DescriptorSet(
    name="token_auth",
    title="Docker Registry Token Authentication",
    routes=routes.ROUTE_DESCRIPTORS,
    errors=errors.ERROR_DESCRIPTORS,
    schemas=schemas.SCHEMAS,
    # scope.md's grammar, in Go syntax as distribution's reference grammar
    grammar={"Scope": {"scopeRegexp": SCOPE_REGEXP}},
    intro=Path(__file__).with_name("intro.md").read_text(encoding="utf-8"),
    version="1.0",
)
