"""Users from an htpasswd file: ``user:$2y$...`` lines with bcrypt hashes, the only scheme
distribution's ``htpasswd`` access controller accepts (blank lines and ``#`` comments skipped)."""

from __future__ import annotations

import hashlib
import secrets
import threading
from pathlib import Path

import bcrypt

from specgen.errors import UserError


class Htpasswd:
    """The users of one htpasswd file; ``check(user, password)`` verifies a password."""

    def __init__(self, entries: dict[str, bytes]):
        self.entries = entries
        # bcrypt is slow on purpose (~50 ms): remember successes, as keyed hashes, not passwords
        self._ok: set[bytes] = set()
        self._salt = secrets.token_bytes(16)
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: str | Path) -> Htpasswd:
        """Read ``path``; a ``UserError`` names the file and line of anything unusable."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"cannot read htpasswd file {path}: {exc}") from None
        entries: dict[str, bytes] = {}
        for number, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            user, sep, hashed = line.partition(":")
            if not sep or not user or not hashed.startswith(("$2a$", "$2b$", "$2y$")):
                raise UserError(
                    f"htpasswd file {path} line {number}: not 'user:<bcrypt hash>' (create it with `htpasswd -B`)"
                )
            entries[user] = hashed.encode()
        return cls(entries)

    def check(self, user: str, password: str) -> bool:
        hashed = self.entries.get(user)
        if hashed is None:
            return False
        key = hashlib.blake2b(f"{user}\0{password}".encode(), key=self._salt).digest()
        with self._lock:
            if key in self._ok:
                return True
        try:
            ok = bcrypt.checkpw(password.encode(), hashed.replace(b"$2y$", b"$2b$", 1))
        except ValueError:
            return False
        if ok:
            with self._lock:
                self._ok.add(key)
        return ok


def entry(user: str, password: str, rounds: int = 10) -> str:
    """One htpasswd line for ``user`` (what ``htpasswd -nbB`` prints)."""
    return f"{user}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=rounds)).decode()}\n"
