"""The rules ``specgen diff`` classifies changes by, each with a level for clients and for servers.

A change is *breaking for clients* when a client written against the old set fails against a
server implementing the new one, and *breaking for servers* when a server implementing the old set
fails a client written against the new one. *Potentially breaking* means it depends on what the
other side relies on; *compatible* means it is visible on the wire but safe; *docs-only* means only
prose or examples changed. ``docs/diff.md`` gives an example of each rule.
"""

from __future__ import annotations

from typing import NamedTuple

#: The levels, least severe first.
DOCS_ONLY = "docs-only"
COMPATIBLE = "compatible"
POTENTIALLY_BREAKING = "potentially-breaking"
BREAKING = "breaking"
LEVELS = (DOCS_ONLY, COMPATIBLE, POTENTIALLY_BREAKING, BREAKING)


def severity(level: str) -> int:
    """The rank of ``level`` (0 for docs-only ... 3 for breaking)."""
    return LEVELS.index(level)


class Rule(NamedTuple):
    name: str
    clients: str
    servers: str
    summary: str


_B, _P, _C, _D = BREAKING, POTENTIALLY_BREAKING, COMPATIBLE, DOCS_ONLY

RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        # routes and methods
        Rule("route-added", _C, _B, "a route was added: old servers do not serve it"),
        Rule("route-removed", _B, _C, "a route was removed: old clients still call it"),
        Rule("route-path-changed", _P, _P, "a route's path template (or a pattern in it) changed"),
        Rule("route-entity-changed", _D, _D, "a route's entity (its heading) changed"),
        Rule("route-description-changed", _D, _D, "a route's description changed"),
        Rule("method-added", _C, _B, "a method was added to a route: old servers answer 405 or 404"),
        Rule("method-removed", _B, _C, "a method was removed: old clients still send it"),
        Rule("method-description-changed", _D, _D, "a method's description changed"),
        # requests
        Rule("request-added", _C, _B, "a new way to call a method (a request descriptor) was added"),
        Rule("request-removed", _B, _C, "a request descriptor of a method was removed (or renamed)"),
        Rule("request-description-changed", _D, _D, "a request's description changed"),
        Rule("request-body-type-changed", _B, _B, "the media type a request body is declared with changed"),
        Rule("request-body-format-changed", _D, _D, "a request body's example format changed"),
        Rule("request-parameter-added-required", _B, _C, "a required parameter or header was added to a request"),
        Rule("request-parameter-added-optional", _C, _P, "an optional parameter or header was added to a request"),
        Rule("request-parameter-removed", _P, _C, "a parameter or header of a request was removed"),
        Rule(
            "request-parameter-required-removed",
            _C,
            _B,
            "a required parameter or header was removed: old servers still require it",
        ),
        Rule("request-parameter-now-required", _B, _C, "a parameter or header became required"),
        Rule("request-parameter-now-optional", _C, _B, "a required parameter or header became optional"),
        Rule(
            "path-parameter-renamed", _D, _D, "the descriptor of a path variable has another name (the URL is the same)"
        ),
        Rule("parameter-pattern-changed", _P, _P, "the pattern (regexp or path format) of a parameter changed"),
        Rule("parameter-type-changed", _P, _P, "the declared type of a parameter or header changed"),
        Rule("parameter-format-changed", _D, _D, "the example format of a parameter or header changed"),
        Rule("parameter-description-changed", _D, _D, "the description of a parameter or header changed"),
        Rule("parameter-order-changed", _D, _D, "the same parameters or headers are listed in another order"),
        # responses
        Rule("success-added", _P, _C, "a success response was added: old clients may not expect its status"),
        Rule("success-removed", _C, _P, "a success response was removed: old servers still send it"),
        Rule("failure-added", _P, _C, "a failure response was added: old clients may not handle it"),
        Rule("failure-removed", _C, _P, "a failure response was removed: old servers still send it"),
        Rule("response-status-changed", _B, _B, "the status code of a response changed"),
        Rule("response-description-changed", _D, _D, "a response's description changed"),
        Rule("response-body-type-changed", _P, _P, "the media type of a response body changed"),
        Rule(
            "response-body-type-parameters-changed",
            _C,
            _C,
            "only the parameters of a response body's media type changed (e.g. `; charset=utf-8`)",
        ),
        Rule("response-body-format-changed", _D, _D, "a response body's example format changed"),
        Rule("response-header-added", _C, _P, "a response header was added: old servers do not send it"),
        Rule("response-header-removed", _P, _C, "a response header was removed: old clients may rely on it"),
        Rule("response-field-added", _C, _P, "a response body field was declared"),
        Rule("response-field-removed", _P, _C, "a response body field was removed"),
        Rule("response-error-code-added", _P, _C, "an error code was added to a failure's body"),
        Rule("response-error-code-removed", _C, _P, "an error code was removed from a failure's body"),
        # error registry and grammar
        Rule("error-code-added", _C, _C, "an error code was registered"),
        Rule("error-code-removed", _C, _P, "an error code was unregistered: old servers still send it"),
        Rule("error-code-status-changed", _P, _P, "the status(es) an error code is registered with changed"),
        Rule("error-code-message-changed", _C, _C, "an error code's message text changed"),
        Rule("error-code-description-changed", _D, _D, "an error code's description changed"),
        Rule("grammar-pattern-added", _C, _C, "a grammar pattern was added"),
        Rule("grammar-pattern-removed", _C, _C, "a grammar pattern was removed"),
        Rule("grammar-pattern-changed", _P, _P, "a grammar pattern (names, tags, digests) changed"),
    )
}
