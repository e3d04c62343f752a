"""The backend of requests nobody implemented: ``501`` with ``UNSUPPORTED`` in the errors envelope.

``specgen serve`` puts it behind the generated stub of a set that has no hand-written backend (a
set of your own, say), so every request the set declares is routed, checked and answered (the
runtime still gives 404 to unrouted paths and 405 to undeclared methods). In front of a backend
that implements part of a set (the registry backend behind a set that extends ``oci_v1_1``), it
answers only the handler methods that backend lacks and hands everything else on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from specgen.server.runtime import Request, Response

#: The error code of the answer (distribution's ``errcode.ErrorCodeUnsupported``).
CODE = "UNSUPPORTED"
#: Not Implemented: the server knows the request but has no code for it (RFC 9110 15.6.2).
STATUS = 501


class Unsupported:
    """Handler methods ``handler_methods`` of set ``set_name``; those ``implemented`` has are its
    own (as are its other attributes, such as ``startup``/``shutdown``), the rest answer 501."""

    def __init__(self, set_name: str, handler_methods: Iterable[str], implemented: object | None = None):
        self._set_name = set_name
        self._implemented = implemented
        self.unsupported: tuple[str, ...] = tuple(
            name for name in handler_methods if not callable(getattr(implemented, name, None))
        )
        for name in self.unsupported:
            setattr(self, name, self._answer(name))

    def __getattr__(self, name: str) -> Any:
        implemented = self.__dict__.get("_implemented")
        if implemented is None or name.startswith("__"):
            raise AttributeError(name)
        return getattr(implemented, name)

    def _answer(self, handler: str) -> Callable[[Request], Awaitable[Response]]:
        set_name = self._set_name

        async def unsupported(request: Request) -> Response:
            headers = {}
            if "100-continue" in request.headers.get("expect", "").lower() and not request.started:
                headers["Connection"] = "close"  # the client sent no body yet: do not ask for it
            else:
                await request.drain()  # an unread body would break the next request on the connection
            what = f"{request.method} {request.route.doc_path}"
            entry = {
                "code": CODE,
                "message": f"{what} is declared by set {set_name!r} but this server has no backend "
                "for it (specgen serve implements the registry routes only)",
                "detail": {
                    "set": set_name,
                    "route": request.route.name,
                    "method": request.method,
                    "request": request.operation.name,
                    "handler": handler,
                },
            }
            return Response.json({"errors": [entry]}, status=STATUS, headers=headers)

        unsupported.__name__ = unsupported.__qualname__ = handler
        return unsupported
