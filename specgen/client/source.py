"""A blob source read in pieces: bytes, a binary file, or an iterable of bytes."""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator
from typing import IO, Union

Source = Union[bytes, bytearray, memoryview, IO[bytes], Iterable[bytes], str, os.PathLike]


class Reader:
    """``read(n)`` up to ``n`` bytes (``b""`` at the end) from any supported source.

    A path (``str``/``PathLike``) is opened and closed by the reader.
    """

    def __init__(self, source: Source) -> None:
        self._owned: IO[bytes] | None = None
        self._file: IO[bytes] | None = None
        self._iter: Iterator[bytes] | None = None
        self._buf = bytearray()
        self.size: int | None = None
        self._start: int | None = None
        if isinstance(source, (str, os.PathLike)):
            self._owned = self._file = open(source, "rb")
        elif isinstance(source, (bytes, bytearray, memoryview)):
            self._file = io.BytesIO(bytes(source))
            self.size = len(source)
        elif hasattr(source, "read"):
            self._file = source  # type: ignore[assignment]
        else:
            self._iter = iter(source)
        if self._file is not None:
            try:
                self._start = self._file.tell() if self._file.seekable() else None
            except (OSError, ValueError, AttributeError):
                self._start = None
        if self._file is not None and self.size is None:
            try:
                self.size = os.fstat(self._file.fileno()).st_size - self._file.tell()
            except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
                self.size = None

    def read(self, n: int) -> bytes:
        if self._file is not None:
            out = bytearray()
            while len(out) < n:
                piece = self._file.read(n - len(out))
                if not piece:
                    break
                out += piece
            return bytes(out)
        assert self._iter is not None
        while len(self._buf) < n:
            try:
                chunk = next(self._iter)
            except StopIteration:
                break
            self._buf += chunk
        taken = bytes(self._buf[:n])
        del self._buf[:n]
        return taken

    def rewind(self) -> bool:
        """Go back to where reading started; False when the source cannot be read again."""
        if self._file is None or self._start is None:
            return False
        self._file.seek(self._start)
        return True

    def close(self) -> None:
        if self._owned is not None:
            self._owned.close()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
