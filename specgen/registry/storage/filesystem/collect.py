"""What garbage collection asks of the filesystem driver: list blobs and layer links, blob times
(the data file's mtime), touch, and the conditional delete.

``collect`` renames the blob's data out of place first (``data`` → ``.gc-<random>``), then reads
the mtime of what it moved: a ``touch`` that came before the rename changed that file's mtime and
the blob is moved back; a ``touch`` after the rename finds no blob and returns False. So once a
touch returned True, the blob is kept (the contract of ``StorageDriver.collect_blob``).
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from specgen.registry.storage.filesystem.files import Layout, split_digest


def list_blobs(layout: Layout) -> list[str]:
    out = []
    try:
        algorithms = os.listdir(layout.blobs)
    except FileNotFoundError:
        return []
    for alg in algorithms:
        if alg.startswith("."):
            continue
        for prefix in _listdir(layout.blobs / alg):
            for hexd in _listdir(layout.blobs / alg / prefix):
                if (layout.blobs / alg / prefix / hexd / "data").is_file():
                    out.append(f"{alg}:{hexd}")
    return out


def layers(layout: Layout, name: str) -> list[str]:
    base = layout.repo(name) / "_layers"
    out = []
    for alg in _listdir(base):
        for hexd in _listdir(base / alg):
            if (base / alg / hexd / "link").exists():
                out.append(f"{alg}:{hexd}")
    return sorted(out)


def modified(layout: Layout, digest: str) -> float | None:
    try:
        return layout.blob(digest).stat().st_mtime
    except (FileNotFoundError, NotADirectoryError):
        return None


def touch(layout: Layout, digest: str) -> bool:
    try:
        os.utime(layout.blob(digest))
        return True
    except (FileNotFoundError, NotADirectoryError):
        return False


def collect(layout: Layout, digest: str, older_than: float) -> int | None:
    split_digest(digest)
    data = layout.blob(digest)
    try:
        if data.stat().st_mtime >= older_than:
            return None
    except (FileNotFoundError, NotADirectoryError):
        return None
    aside = data.parent / f".gc-{uuid.uuid4().hex}"
    try:
        os.rename(data, aside)
    except FileNotFoundError:
        return None
    st = aside.stat()
    if st.st_mtime >= older_than:  # touched between the first look and the rename: keep it
        if data.exists():  # stored again meanwhile (same content): ours is redundant
            aside.unlink()
        else:
            os.rename(aside, data)
        return None
    aside.unlink()
    if not data.exists():
        shutil.rmtree(data.parent, ignore_errors=True)
    return st.st_size


def _listdir(path: Path) -> list[str]:
    try:
        return [e for e in os.listdir(path) if not e.startswith(".")]
    except (FileNotFoundError, NotADirectoryError):
        return []
