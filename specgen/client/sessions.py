"""Upload sessions kept in a file, so a blob push cut off by the end of a process continues from
what the registry already holds when the push is tried again, in another process.

One JSON file maps ``(registry, repository, digest)`` to the upload's Location. An entry is written
once the upload is opened and removed once the blob is in; a stale entry (the registry forgot the
upload) is dropped and the push starts afresh. Only pushes whose digest is known up front (a blob
of an OCI layout) can be matched to a session.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path


class UploadSessions:
    """The sessions file at ``path`` (created on first use)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    @staticmethod
    def key(base_url: str, name: str, digest: str) -> str:
        return f"{base_url.rstrip('/')}/{name}@{digest}"

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _save(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".sessions-")
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)
        os.replace(tmp, self.path)

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._load().get(key)

    def put(self, key: str, location: str) -> None:
        with self._lock:
            data = self._load()
            data[key] = location
            self._save(data)

    def drop(self, key: str) -> None:
        with self._lock:
            data = self._load()
            if data.pop(key, None) is not None:
                self._save(data)
