"""The ``404`` a server sends when the path matches no route at all (a path parameter outside its
pattern, say): plain text, as Go's ``http.NotFound`` behind distribution's router and specgen's
runtime (``specgen.server.runtime``) answer it. It is not a descriptor response, so the media type
carries ``x-unmatched-route: true``."""

from __future__ import annotations

from typing import Any

#: The body that answer carries (tests/test_openapi_tools.py compares it with the served one).
BODY = "404 page not found\n"
MEDIA_TYPE = "text/plain"
DESCRIPTION = (
    "When the path matches no route (a path parameter outside its pattern), the router answers "
    f"`404` with the plain-text body `{BODY.strip()}` and no error code."
)


def add_unmatched_route(responses: dict[str, Any], head: bool = False) -> None:
    """Document the unmatched-route answer in an operation's ``404`` (created when absent); a
    ``HEAD`` answer has no body, so no content is added to it."""
    media = {"schema": {"type": "string", "const": BODY}, "x-unmatched-route": True}
    found = responses.get("404")
    if found is None:
        responses["404"] = {"description": DESCRIPTION}
        if not head:
            responses["404"]["content"] = {MEDIA_TYPE: media}
        ordered = sorted(responses.items(), key=lambda kv: (not kv[0].isdigit(), kv[0]))
        responses.clear()
        responses.update(ordered)
        return
    found["description"] = f"{found['description']}\n\n{DESCRIPTION}"
    if not head:
        found.setdefault("content", {})[MEDIA_TYPE] = media
