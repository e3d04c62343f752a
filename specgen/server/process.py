"""Process-level care of ``specgen serve``: file-descriptor limits, the accept loop running out of
them, and worker processes that never outlive their parent.

- ``raise_nofile_limit()``: the soft ``RLIMIT_NOFILE`` up to the hard one at start (as Go's runtime
  does since 1.19), so idle connections are not what stops the service.
- ``install_loop_guard(loop)``: when ``accept`` fails for want of descriptors or memory, asyncio
  already stops accepting for a second and retries; it also logs a traceback every time. The guard
  logs one line per ``GUARD_INTERVAL`` instead (with how many were suppressed).
- ``worker_app()``: the app factory of a worker process (``--workers N``): it first asks the kernel
  to send it SIGTERM when its parent dies (``PR_SET_PDEATHSIG``), and exits at once if the parent
  is already gone, so a ``kill -9`` of the parent leaves no orphan holding the port.
"""

from __future__ import annotations

import asyncio
import ctypes
import errno
import logging
import os
import resource
import signal
import sys
import time
from typing import Any

log = logging.getLogger("specgen.server")

#: Environment variable a worker reads its parent's pid from.
ENV_PARENT = "SPECGEN_PARENT_PID"
#: Seconds between two log lines about running out of descriptors.
GUARD_INTERVAL = 10.0
_RESOURCE_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


def raise_nofile_limit() -> tuple[int, int]:
    """Raise the soft descriptor limit to the hard one; the (soft, hard) limits now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):  # a container may refuse: keep what we have
            pass
    return soft, hard


class _Guard:
    def __init__(self, previous: Any) -> None:
        self.previous = previous
        self.last = 0.0
        self.suppressed = 0

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        exc = context.get("exception")
        if isinstance(exc, OSError) and exc.errno in _RESOURCE_ERRNOS:
            now = time.monotonic()
            if now - self.last >= GUARD_INTERVAL:
                more = f" ({self.suppressed} more since the last report)" if self.suppressed else ""
                log.error(
                    "%s: %s; accepting again in a second%s",
                    context.get("message", "out of resources"),
                    exc.strerror,
                    more,
                )
                self.last, self.suppressed = now, 0
            else:
                self.suppressed += 1
            return
        if self.previous is not None:
            self.previous(loop, context)
        else:
            loop.default_exception_handler(context)


def install_loop_guard(loop: asyncio.AbstractEventLoop) -> None:
    """Rate-limit the loop's reports of running out of descriptors (once per loop)."""
    handler = loop.get_exception_handler()
    if not isinstance(handler, _Guard):
        loop.set_exception_handler(_Guard(handler))


def die_with_parent(parent: int | None = None) -> None:
    """SIGTERM to this process when its parent dies (Linux); exit now if it already did."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no prctl
            pass
    if parent is not None and os.getppid() != parent:
        os._exit(0)  # the parent died before we asked: nobody would stop us later


def worker_app() -> Any:
    """Factory for uvicorn in a worker process: die with the parent, then the usual app."""
    from specgen.server import serving

    parent = os.environ.get(ENV_PARENT)
    die_with_parent(int(parent) if parent and parent.isdigit() else None)
    return serving.app_from_env()
