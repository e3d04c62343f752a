"""Incremental hashes whose state can be saved to disk and resumed in another process.

A chunked upload is hashed while it streams, one PATCH at a time, possibly by different worker
processes or after a restart; Python's ``hashlib`` objects cannot be serialised, so this uses
OpenSSL's ``SHA256_CTX``/``SHA512_CTX`` through ctypes: the context is a plain struct whose bytes
are the state. ctypes releases the GIL during ``Update``, so hashing runs beside the event loop.
Without libcrypto, ``Hasher`` falls back to ``hashlib`` and ``state()`` returns ``None`` (then a
resumed upload re-hashes its data from disk).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
from typing import Any

_CTX_SIZE = 256  # larger than SHA256_CTX (112) and SHA512_CTX (216)
_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}
_PREFIX = {"sha256": "SHA256", "sha384": "SHA384", "sha512": "SHA512"}
_UPDATE = {"sha256": "SHA256_Update", "sha384": "SHA384_Update", "sha512": "SHA512_Update"}


def _load() -> Any:
    for name in ("libcrypto.so.3", ctypes.util.find_library("crypto")):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
            for alg in _PREFIX:
                for fn in (f"{_PREFIX[alg]}_Init", _UPDATE[alg], f"{_PREFIX[alg]}_Final"):
                    getattr(lib, fn).restype = ctypes.c_int
                    if fn.endswith("_Update"):
                        getattr(lib, fn).argtypes = (ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
            return lib
        except (OSError, AttributeError):
            continue
    return None


_LIB = _load()


def _pointer(data) -> tuple[Any, Any]:
    """(keep-alive object, pointer) for bytes, bytearray or memoryview without copying."""
    if isinstance(data, bytes):
        return data, ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p)
    mv = memoryview(data)
    if mv.readonly:
        b = bytes(mv)
        return b, ctypes.cast(ctypes.c_char_p(b), ctypes.c_void_p)
    # c_char.from_buffer, not (c_char * n): ctypes caches one array type per length, forever
    first = ctypes.c_char.from_buffer(mv)
    return first, ctypes.addressof(first)


class Hasher:
    """``update``/``hexdigest`` like hashlib, plus ``state()`` and ``Hasher(alg, state)``."""

    def __init__(self, algorithm: str, state: bytes | None = None):
        if algorithm not in _SIZES:
            raise ValueError(f"unsupported digest algorithm {algorithm!r}")
        self.algorithm = algorithm
        self._ctx = None
        self._py = None
        if _LIB is not None:
            self._ctx = ctypes.create_string_buffer(_CTX_SIZE)
            if state is not None:
                ctypes.memmove(self._ctx, state, min(len(state), _CTX_SIZE))
            else:
                getattr(_LIB, f"{_PREFIX[algorithm]}_Init")(self._ctx)
            self._update = getattr(_LIB, _UPDATE[algorithm])
        else:
            if state is not None:
                raise ValueError("hash state cannot be resumed without libcrypto")
            self._py = hashlib.new(algorithm)

    @property
    def resumable(self) -> bool:
        return self._ctx is not None

    def update(self, data) -> None:
        if self._py is not None:
            self._py.update(data)
            return
        if not len(data):
            return
        keep, ptr = _pointer(data)
        self._update(self._ctx, ptr, memoryview(data).nbytes)

    def state(self) -> bytes | None:
        return self._ctx.raw if self._ctx is not None else None

    def hexdigest(self) -> str:
        if self._py is not None:
            return self._py.hexdigest()
        assert self._ctx is not None  # one of the two is set
        ctx = ctypes.create_string_buffer(self._ctx.raw, _CTX_SIZE)
        out = ctypes.create_string_buffer(_SIZES[self.algorithm])
        getattr(_LIB, f"{_PREFIX[self.algorithm]}_Final")(out, ctx)
        return out.raw.hex()
