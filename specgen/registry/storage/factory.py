"""Storage drivers by name, as distribution's ``storage/driver/factory``: a driver registers its
class under a name, and a configuration picks one with ``create(name, **params)``.

    >>> from specgen.registry.storage import factory
    >>> "filesystem" in factory.names()
    True
"""

from __future__ import annotations

from typing import Any

from specgen.errors import UserError
from specgen.registry.storage.driver import StorageDriver

_DRIVERS: dict[str, type[StorageDriver]] = {}


def register(name: str, driver: type[StorageDriver]) -> None:
    """Make ``driver`` available as ``name``; registering a name twice is a programming error."""
    if name in _DRIVERS and _DRIVERS[name] is not driver:
        raise ValueError(f"a storage driver named {name!r} is already registered")
    _DRIVERS[name] = driver


def names() -> list[str]:
    """The registered driver names, sorted."""
    _register_bundled()
    return sorted(_DRIVERS)


def create(name: str, **params: Any) -> StorageDriver:
    """A new driver ``name`` built from ``params`` (each driver documents its own)."""
    _register_bundled()
    try:
        cls = _DRIVERS[name]
    except KeyError:
        raise UserError(f"unknown storage driver {name!r} (known: {', '.join(sorted(_DRIVERS))})") from None
    try:
        return cls(**params)
    except TypeError as exc:
        raise UserError(f"storage driver {name!r}: {exc}") from None


def _register_bundled() -> None:
    """The drivers shipped with specgen register on first use (importing them costs nothing else)."""
    from specgen.registry.storage import (
        filesystem,  # noqa: F401  (registers "filesystem")
        s3,  # noqa: F401  (registers "s3"; aiobotocore loads on first use)
    )
