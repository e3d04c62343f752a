"""Exceptions raised by generated clients.

Every error body ``{"errors": [{"code", "message", "detail"}]}`` becomes an ``APIError`` subclass
named after its code. A generated client defines its classes on top of *shared* per-code bases
(``code_base``), so ``except specgen.client.errors.BlobUnknown`` catches that error whichever
descriptor set's client raised it.
"""

from __future__ import annotations

from typing import Any

import httpx


class ClientError(Exception):
    """Anything the client refuses or cannot do (bad argument, transport failure, bad content)."""


class DigestMismatch(ClientError):
    """Downloaded content does not hash to the digest it was asked for."""


class APIError(ClientError):
    """An HTTP response the request descriptor does not list as a success.

    ``code``/``message``/``detail`` come from the first entry of the error body (``None`` when the
    response has no parseable error body); ``errors`` holds every entry; ``response`` is the
    ``httpx.Response`` (its body already read).
    """

    code: str | None = None

    def __init__(
        self,
        message: str | None,
        *,
        code: str | None = None,
        detail: Any = None,
        status: int = 0,
        response: httpx.Response | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        if code is not None:
            self.code = code
        self.message = message
        self.detail = detail
        self.status = status
        self.response = response
        self.errors = errors or []
        super().__init__(self._text())

    def _text(self) -> str:
        parts = [f"HTTP {self.status}"]
        if self.code:
            parts.append(self.code)
        if self.message:
            parts.append(self.message)
        text = ": ".join(parts)
        if self.detail not in (None, "", {}, []):
            text += f" (detail: {self.detail!r})"
        return text


class UnexpectedResponse(APIError):
    """A non-success status whose body carries no registered error code."""


_BASES: dict[str, type[APIError]] = {}
_BY_NAME: dict[str, type[APIError]] = {}


def code_base(code: str, class_name: str) -> type[APIError]:
    """The shared base class for error ``code`` (created on first use, one per process)."""
    base = _BASES.get(code)
    if base is None:
        base = type(
            class_name,
            (APIError,),
            {
                "code": code,
                "__module__": __name__,
                "__doc__": f"Any error body with code {code}, from any generated client.",
            },
        )
        _BASES[code] = base
        _BY_NAME.setdefault(class_name, base)
    return base


def __getattr__(name: str) -> type[APIError]:
    """``specgen.client.errors.BlobUnknown``: the shared class, once some generated client defines it.

    On a miss, the bundled sets' generated clients are imported so their codes are known.
    """
    if name.startswith("__"):
        raise AttributeError(name)
    if name not in _BY_NAME:
        import importlib

        from specgen.descriptors import BUNDLED

        for set_name in BUNDLED:
            try:
                importlib.import_module(f"specgen._generated.{set_name}.client")
            except ImportError:
                continue
    try:
        return _BY_NAME[name]
    except KeyError:
        raise AttributeError(f"no generated client defines an error class {name!r}") from None


def raise_for(response: httpx.Response, classes: dict[str, type[APIError]]) -> None:
    """Raise the exception for an error ``response`` (body already read)."""
    errors: list[dict[str, Any]] = []
    try:
        data = response.json() if response.content else None
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("errors"), list):
        errors = [e for e in data["errors"] if isinstance(e, dict)]
    if errors:
        first = errors[0]
        code = str(first.get("code", "")) or None
        cls = classes.get(code or "") or _BASES.get(code or "") or UnexpectedResponse
        raise cls(
            first.get("message"),
            code=code,
            detail=first.get("detail"),
            status=response.status_code,
            response=response,
            errors=errors,
        )
    text = response.reason_phrase or None
    raise UnexpectedResponse(text, status=response.status_code, response=response)
