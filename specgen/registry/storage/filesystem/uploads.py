"""The filesystem driver's upload sessions: a data file, a state file (offset and the serialised
hash state) and a lock file per session, so any worker process on the same root can continue an
upload, and a restart resumes it where the last acknowledged chunk ended.

An ``flock`` on the lock file keeps two requests from working on one session at once; it is held
only while a request works on the session (a client too slow for the server's body timeouts loses
its connection, and so the lock; the session stays as its last acknowledged chunk left it).

Every 202 acknowledging a chunk is durable: the chunk's data is fsynced and the new state renamed
into place with its folder fsynced before the driver returns. A failing disk mid-chunk
(``StorageUnavailable``) truncates the data back to the acknowledged offset, giving the space back
and leaving the session resumable.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import stat
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from specgen.registry.hashing import Hasher
from specgen.registry.storage.driver import (
    DigestMismatch,
    IncomingBody,
    InvalidName,
    RangeMismatch,
    StorageError,
    UploadBusy,
    UploadInfo,
    UploadUnknown,
)
from specgen.registry.storage.filesystem import fsops
from specgen.registry.storage.filesystem.files import Layout
from specgen.registry.storage.filesystem.fsops import storage_errors
from specgen.registry.storage.filesystem.ingest import BATCH, in_pool, ingest


@dataclass
class SessionState:
    """``state.json`` of a session."""

    name: str
    id: str
    offset: int
    algorithm: str
    hash_state: str | None  # base64 of the hash context after ``offset`` bytes
    created: float
    updated: float

    def info(self) -> UploadInfo:
        return UploadInfo(self.name, self.id, self.offset, self.algorithm, self.created, self.updated)


class Sessions:
    """Upload sessions under ``layout``; ``commit(path, digest, name)`` moves a verified, fsynced
    data file into place as a blob and links it into repository ``name``."""

    def __init__(self, layout: Layout, commit: Callable[[Path, str, str], None]):
        self.layout = layout
        self._commit = commit

    def dir(self, name: str, upload_id: str) -> Path:
        try:
            return self.layout.upload(name, upload_id)
        except InvalidName:
            raise UploadUnknown(upload_id) from None

    def create(self, name: str, algorithm: str = "sha256") -> UploadInfo:
        upload_id = str(uuid.uuid4())
        d = self.dir(name, upload_id)
        now = time.time()
        st = SessionState(name, upload_id, 0, algorithm, _b64(Hasher(algorithm).state()), now, now)
        try:
            with storage_errors():
                fsops.makedirs(d)
                fsops.ops.close(fsops.ops.open(d / "data", os.O_WRONLY | os.O_CREAT | os.O_EXCL))
                self._save(st)
        except BaseException:
            fsops.remove_tree(d)  # cleanly gone: no session a client could not address
            raise
        return st.info()

    def load(self, name: str, upload_id: str) -> SessionState:
        try:
            raw = (self.dir(name, upload_id) / "state.json").read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            raise UploadUnknown(upload_id) from None
        try:
            return SessionState(**json.loads(raw))
        except (ValueError, TypeError):  # emptied by a machine crash
            raise UploadUnknown(upload_id) from None

    def status(self, name: str, upload_id: str) -> UploadInfo:
        """The session's state, ``UploadUnknown`` also when its acknowledged data is gone."""
        st = self.load(name, upload_id)
        self._check_data(st)
        return st.info()

    def _check_data(self, st: SessionState) -> None:
        try:
            size = (self.dir(st.name, st.id) / "data").stat().st_size
        except FileNotFoundError:
            size = -1
        if size < st.offset:  # acknowledged data lost with the machine: cannot resume
            raise UploadUnknown(st.id)

    def _save(self, st: SessionState, data_fd: int | None = None) -> None:
        """The session's state, durably; ``data_fd``, the session's data, is fsynced before the
        state that counts its bytes is published."""
        path = self.dir(st.name, st.id) / "state.json"
        fsops.publish([(path, json.dumps(asdict(st)).encode())], () if data_fd is None else (data_fd,))

    @contextmanager
    def locked(self, name: str, upload_id: str) -> Iterator[SessionState]:
        d = self.dir(name, upload_id)
        try:
            fd = fsops.ops.open(d / "lock", os.O_CREAT | os.O_RDWR, 0o644)
        except (FileNotFoundError, NotADirectoryError):
            raise UploadUnknown(upload_id) from None
        except OSError as exc:  # a symlink planted as the lock (O_NOFOLLOW), or the disk
            with storage_errors():
                raise
            raise UploadUnknown(upload_id) from exc
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UploadBusy(upload_id) from None
            st = self.load(name, upload_id)
            self._check_data(st)
            yield st
        finally:
            os.close(fd)

    def cancel(self, name: str, upload_id: str) -> None:
        with self.locked(name, upload_id):
            fsops.remove_tree(self.dir(name, upload_id))

    @staticmethod
    def _hasher(st: SessionState, fd: int, algorithm: str | None = None) -> Hasher:
        """The hash of the first ``st.offset`` bytes, from the saved state when possible."""
        algorithm = algorithm or st.algorithm
        if algorithm == st.algorithm and st.hash_state is not None:
            try:
                return Hasher(algorithm, base64.b64decode(st.hash_state))
            except ValueError:
                pass
        hasher = Hasher(algorithm)  # fallback: re-read what was acknowledged
        at = 0
        while at < st.offset:
            chunk = os.pread(fd, min(BATCH, st.offset - at), at)
            if not chunk:
                break
            hasher.update(chunk)
            at += len(chunk)
        return hasher

    async def append(
        self, name: str, upload_id: str, body: IncomingBody, start: int | None = None, end: int | None = None
    ) -> UploadInfo:
        """Add a chunk at the end (``start``, when given, must equal the current size)."""
        with self.locked(name, upload_id) as st:
            if start is not None and (start != st.offset or (end is not None and end < start)):
                raise RangeMismatch(st.offset)
            fd = self._open_data(name, upload_id)  # read back only to re-hash
            try:
                with storage_errors(), _truncate_on_failure(fd, st.offset):
                    fsops.ops.ftruncate(fd, st.offset)  # drop bytes of a chunk never acknowledged
                    hasher = self._hasher(st, fd)
                    limit = None if end is None or start is None else end - start + 1
                    n = await ingest(body, fd, st.offset, hasher, limit)
                    if limit is not None and n != limit:
                        raise RangeMismatch(st.offset)
                    st.offset += n
                    st.hash_state = _b64(hasher.state())
                    st.updated = time.time()
                    await in_pool(self._save, st, fd)  # the chunk's data fsynced with the new state
            finally:
                fsops.ops.close(fd)
            return st.info()

    def _open_data(self, name: str, upload_id: str) -> int:
        try:
            return fsops.ops.open(self.dir(name, upload_id) / "data", os.O_RDWR)
        except (FileNotFoundError, NotADirectoryError):
            raise UploadUnknown(upload_id) from None

    async def finish(self, name: str, upload_id: str, body: IncomingBody, digest: str, start: int | None = None) -> int:
        """Append the final body, verify the digest and commit the blob; its size. On a mismatch
        the session is removed, as distribution does."""
        algorithm, _, expected = digest.partition(":")
        with self.locked(name, upload_id) as st:
            if start is not None and start != st.offset:
                raise RangeMismatch(st.offset)
            d = self.dir(name, upload_id)
            path = d / "data"
            fd = self._open_data(name, upload_id)  # read back only when the hash cannot be resumed
            try:
                with storage_errors(), _truncate_on_failure(fd, st.offset):
                    fsops.ops.ftruncate(fd, st.offset)
                    hasher = self._hasher(st, fd, algorithm)
                    n = await ingest(body, fd, st.offset, hasher)
                    size = st.offset + n
                    ok = hasher.hexdigest() == expected
                    if ok:
                        await in_pool(fsops.ops.fsync, fd)
            finally:
                fsops.ops.close(fd)
            if not ok:
                await in_pool(fsops.remove_tree, d)
                raise DigestMismatch(digest, size)
            try:
                await in_pool(self._commit, path, digest, name)
            except StorageError:
                try:  # the data stays, the session resumable: truncate it back
                    fd = self._open_data(name, upload_id)
                    try:
                        fsops.ops.ftruncate(fd, st.offset)
                    finally:
                        fsops.ops.close(fd)
                except (UploadUnknown, OSError):
                    pass  # moved into the blob store already: the blob is there, the link is not
                raise
            await in_pool(fsops.remove_tree, d)
            return size

    def walk(self) -> Iterator[Path]:
        """Every session folder under the root (real folders only: a symlink, planted or not, is
        never followed, so the purger cannot reach outside the root)."""
        base = self.layout.repositories
        for dirpath, dirnames, _ in os.walk(base):  # os.walk does not descend into symlinks
            up = Path(dirpath) / "_uploads"
            if "_uploads" in dirnames and _real_dir(up):
                for entry in os.listdir(up):
                    if _real_dir(up / entry):
                        yield up / entry
            dirnames[:] = [d for d in dirnames if not d.startswith("_")]

    def list(self) -> list[UploadInfo]:
        out = []
        for d in self.walk():
            name = d.parent.parent.relative_to(self.layout.repositories).as_posix()
            try:
                out.append(self.status(name, d.name))
            except UploadUnknown:
                continue
        return out

    def purge(self, older_than: float, now: float | None = None) -> int:
        """Remove sessions untouched for ``older_than`` seconds; how many were removed."""
        now = time.time() if now is None else now
        removed = 0
        for up in list(self.walk()):
            try:
                mtime = max((p.stat().st_mtime for p in up.iterdir()), default=up.stat().st_mtime)
            except FileNotFoundError:
                continue
            if now - mtime > older_than:
                fsops.remove_tree(up)
                removed += 1
        return removed


def _real_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


@contextmanager
def _truncate_on_failure(fd: int, offset: int) -> Iterator[None]:
    """Give back the space of a chunk that failed (disk full, client gone): the data file goes
    back to the acknowledged ``offset``."""
    try:
        yield
    except BaseException:
        try:
            fsops.ops.ftruncate(fd, offset)
        except OSError:
            pass
        raise


def _b64(state: bytes | None) -> str | None:
    return None if state is None else base64.b64encode(state).decode()
