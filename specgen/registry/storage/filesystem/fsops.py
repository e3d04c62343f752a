"""Every call by which the filesystem driver changes its root, in one seam (``ops``).

The driver never calls ``os.write``/``rename``/``mkdir``/``fsync`` itself but ``fsops.ops.<call>``,
so a test can swap ``ops`` for a recording subclass and see the exact sequence of file-system calls
of each request: what was written, what was fsynced, which names were made or removed, and so prove
that what a 2xx acknowledges was durable at that moment (``tests/test_durability.py``).

Durability rules the driver follows through these calls:

- a file's data is fsynced before its name is published (``rename``) or acknowledged;
- after a ``mkdir``, ``rename`` or ``unlink`` the parent directory is fsynced, so the name is too;
- ``makedirs`` fsyncs the parent of every folder it creates (after making them all, so that one
  journal commit covers them: ordering fsyncs after the calls they cover, not between, keeps a
  manifest push to a few commits).

Storage failures (disk full, quota, I/O error, read-only) are raised as the driver interface's
``StorageUnavailable`` by ``storage_errors``; the reason names the call and path for the log only.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from specgen.registry.storage.driver import StorageUnavailable

#: errnos meaning the storage, not the request, failed.
UNAVAILABLE_ERRNOS = frozenset(
    e
    for e in (
        errno.ENOSPC,
        getattr(errno, "EDQUOT", None),
        errno.EIO,
        errno.EROFS,
        errno.ENFILE,
        errno.EMFILE,
        getattr(errno, "EUCLEAN", None),
        errno.ENOMEM,
    )
    if e is not None
)


@contextmanager
def storage_errors() -> Iterator[None]:
    """Turn the storage's own failures (``UNAVAILABLE_ERRNOS``) into ``StorageUnavailable``."""
    try:
        yield
    except OSError as exc:
        if exc.errno in UNAVAILABLE_ERRNOS:
            raise StorageUnavailable(f"{exc.strerror} ({exc.filename or 'file system'})") from exc
        raise


class FileOps:
    """The real calls. Subclasses (a recorder) override them and call ``super()``."""

    def open(self, path: Path, flags: int, mode: int = 0o644) -> int:
        return os.open(path, flags | os.O_CLOEXEC | os.O_NOFOLLOW, mode)

    def pwrite(self, fd: int, data, offset: int) -> int:
        return os.pwrite(fd, data, offset)

    def open_direct(self, fd: int) -> int | None:
        """A second descriptor of ``fd``'s file opened ``O_DIRECT`` for writing (page-aligned
        writes then go to the disk as they come, instead of piling up in the page cache for the
        final fsync), or None where the platform or the filesystem has none (tmpfs, macOS)."""
        flag = getattr(os, "O_DIRECT", 0)
        if not flag:
            return None
        try:
            return os.open(f"/proc/self/fd/{fd}", os.O_WRONLY | os.O_CLOEXEC | flag)
        except OSError:
            return None

    def ftruncate(self, fd: int, size: int) -> None:
        os.ftruncate(fd, size)

    def fsync(self, fd: int) -> None:
        """Data and metadata (size) of the open file."""
        os.fsync(fd)

    def close(self, fd: int) -> None:
        os.close(fd)

    def rename(self, src: Path, dst: Path) -> None:
        os.replace(src, dst)

    def mkdir(self, path: Path) -> None:
        os.mkdir(path)

    def unlink(self, path: Path) -> None:
        os.unlink(path)

    def rmtree(self, path: Path) -> None:
        """Remove a folder and everything in it, never following a symlink out of it."""
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return
        if not stat.S_ISDIR(st.st_mode):
            os.unlink(path)  # a planted symlink or file: remove the name only
            return
        shutil.rmtree(path, ignore_errors=True)  # uses dir fds, does not follow symlinks inside

    def fsync_dir(self, path: Path) -> None:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC | os.O_NOFOLLOW)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


#: The seam: the driver's calls go through this object (tests replace it).
ops: FileOps = FileOps()


def makedirs(path: Path, *, sync: bool = True) -> list[Path]:
    """``mkdir -p`` whose new folders survive a crash: the parent of each new folder is fsynced
    (after all are made: one journal commit covers them all); with ``sync=False`` the caller does
    that. The folders it made, top down."""
    missing = []
    p = path
    while not p.is_dir():
        missing.append(p)
        p = p.parent
        if p == p.parent:
            break
    made = []
    for d in reversed(missing):
        try:
            ops.mkdir(d)
        except FileExistsError:
            if not d.is_dir() or d.is_symlink():
                # no name a client can send maps onto a file of the layout: the root is damaged
                raise StorageUnavailable(f"{d} is in the way: not a folder") from None
            continue
        made.append(d)
    if sync:
        for d in made:
            ops.fsync_dir(d.parent)
    return made


def write_file(path: Path, data: bytes) -> None:
    """Publish ``data`` as ``path`` durably (``publish``)."""
    publish([(path, data)])


def publish(files: list[tuple[Path, bytes | Path]], sync_fds: tuple[int, ...] = ()) -> None:
    """Publish each (path, content) durably, in order: ``content`` is bytes, written to a temporary
    file and fsynced, or the path of a file already fsynced, renamed into place. Every file's data
    is fsynced before any rename (and so are ``sync_fds``, open files the new ones vouch for); the folders (every new one's parent, every file's own) are fsynced
    after all renames, each once, in order, so one journal commit covers them all. A crash leaves
    each path with its old state or its new one, never a partial file."""
    made: list[Path] = []
    staged: list[tuple[Path, Path]] = []
    fds: list[int] = []
    try:
        try:
            for path, content in files:
                made += makedirs(path.parent, sync=False)
                if isinstance(content, Path):
                    staged.append((content, path))
                    continue
                tmp = path.parent / f".tmp-{os.urandom(8).hex()}"
                fd = ops.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                fds.append(fd)
                staged.append((tmp, path))
                view = memoryview(content)
                at = 0
                while at < len(view):
                    at += ops.pwrite(fd, view[at:], at)
            _all(ops.fsync, fds + list(sync_fds))  # all written first, then fsynced together
        finally:
            for fd in fds:
                ops.close(fd)
        for i, (src, dst) in enumerate(staged):
            ops.rename(src, dst)
            staged[i] = (dst, dst)
    except BaseException:
        for src, dst in staged:
            if src != dst and src.name.startswith(".tmp-"):
                try:
                    ops.unlink(src)
                except OSError:
                    pass
        raise
    folders = dict.fromkeys([m.parent for m in made] + [path.parent for path, _ in files])
    _all(ops.fsync_dir, list(folders))


#: Threads that fsync the files or folders of one ``publish`` at once: concurrent fsyncs share
#: the file system's journal commit and the disk's cache flush, so N of them cost about one.
_SYNC_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="specgen-fsync")


def _all(fn: Callable[[Any], None], items: list[Any]) -> None:
    """``fn`` on every item, concurrently; returns when all are done (the first failure raised)."""
    if len(items) <= 1:
        for item in items:
            fn(item)
        return
    futures = [_SYNC_POOL.submit(fn, item) for item in items]
    errors = [f.exception() for f in futures]
    for exc in errors:
        if exc is not None:
            raise exc


def remove(path: Path) -> bool:
    """Unlink ``path`` durably; whether it existed."""
    try:
        ops.unlink(path)
    except FileNotFoundError:
        return False
    ops.fsync_dir(path.parent)
    return True


def remove_tree(path: Path) -> None:
    """Remove a folder durably (its parent fsynced)."""
    ops.rmtree(path)
    try:
        ops.fsync_dir(path.parent)
    except FileNotFoundError:
        pass
