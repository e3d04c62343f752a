"""What ``specgen serve`` puts around the app in each worker process, from the settings the parent
resolved (``SPECGEN_SETTINGS``, the flat settings as JSON): the registry's modes, the outer
``observe`` layer (request id, access log, metrics, health), storage error counting, logging, and
the periodic garbage collection (``gc.interval``)."""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import logging
import os
import sys
from collections.abc import Mapping
from typing import Any

from specgen.config.settings import defaults
from specgen.errors import UserError
from specgen.server.metrics import ENV_MULTIPROC

#: The flat settings (JSON) the parent hands to every worker.
ENV_SETTINGS = "SPECGEN_SETTINGS"
#: Where worker processes share their metrics (prometheus-client's multiprocess mode).
ENV_METRICS_DIR = ENV_MULTIPROC

log = logging.getLogger("specgen.gc")


def settings_from_env() -> dict[str, Any]:
    """The settings of this run: the parent's, else the defaults (an app built outside ``serve``)."""
    values = defaults()
    raw = os.environ.get(ENV_SETTINGS)
    if raw:
        try:
            values.update(json.loads(raw))
        except ValueError as exc:
            raise UserError(f"{ENV_SETTINGS} is not JSON: {exc}") from None
    return values


def configure_logging(values: Mapping[str, Any]) -> None:
    """The access log (``specgen.access``) and specgen's own log to stderr, once per process."""
    from specgen.server.accesslog import LOGGER

    level = str(values.get("log.level", "warning")).upper()
    level = "DEBUG" if level == "TRACE" else level
    for name, lvl in ((LOGGER, "INFO"), ("specgen", level)):
        logger = logging.getLogger(name)
        if not any(getattr(h, "_specgen", False) for h in logger.handlers):
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(
                logging.Formatter("%(message)s" if name == LOGGER else "%(levelname)s: %(name)s: %(message)s")
            )
            handler._specgen = True  # type: ignore[attr-defined]
            logger.addHandler(handler)
        logger.setLevel(lvl)
        logger.propagate = False


def apply_modes(backend: Any, values: Mapping[str, Any]) -> None:
    """``registry.read_only`` and ``registry.delete_enabled`` on a registry backend."""
    from specgen.registry import modes

    modes.apply(backend, read_only=values["registry.read_only"], delete_enabled=values["registry.delete_enabled"])


def count_storage_errors(driver: Any, metrics: Any) -> None:
    """Count, by driver method, the calls that fail because the storage did (``StorageUnavailable``
    or an ``OSError``), in ``specgen_storage_errors_total``."""
    from specgen.registry.storage.driver import StorageDriver, StorageUnavailable

    for name, member in inspect.getmembers(StorageDriver):
        if name.startswith("_") or not inspect.iscoroutinefunction(member):
            continue
        original = getattr(driver, name)

        def wrap(fn: Any, op: str) -> Any:
            @functools.wraps(fn)
            async def counted(*args: Any, **kwargs: Any) -> Any:
                try:
                    return await fn(*args, **kwargs)
                except (StorageUnavailable, OSError):
                    metrics.storage_errors.labels(op).inc()
                    raise

            return counted

        setattr(driver, name, wrap(original, name))


def wrap(app: Any, values: Mapping[str, Any] | None = None) -> Any:
    """``app`` inside the observe layer, as the settings say."""
    from specgen.server.metrics import Metrics
    from specgen.server.observe import Observe, ObserveSettings

    values = {**defaults(), **(values or {})}
    configure_logging(values)
    metrics = Metrics() if values["metrics.enabled"] else None
    driver = getattr(getattr(app, "handlers", None), "driver", None)
    readiness = None
    if driver is not None:
        from specgen.server.health import storage_probe

        if metrics is not None:
            count_storage_errors(driver, metrics)

        async def readiness() -> None:
            await storage_probe(driver)

    task: dict[str, asyncio.Task] = {}
    # a read-only registry (a backup, a migration) is not changed, not even by its garbage collection
    interval = 0.0 if values["registry.read_only"] else float(values["gc.interval"] or 0)

    async def on_startup() -> None:
        if driver is not None and interval > 0:
            task["gc"] = asyncio.get_running_loop().create_task(_gc_loop(driver, values, metrics, interval))

    async def on_shutdown() -> None:
        if "gc" in task:
            task["gc"].cancel()

    return Observe(
        app,
        ObserveSettings.from_values(values),
        readiness=readiness,
        metrics=metrics,
        on_startup=on_startup,
        on_shutdown=on_shutdown,
    )


async def _gc_loop(driver: Any, values: Mapping[str, Any], metrics: Any, interval: float) -> None:
    from specgen.registry import gc

    while True:
        await asyncio.sleep(interval)
        try:
            report = await gc.collect(
                driver,
                grace=values["gc.grace"],
                delete_untagged=values["gc.delete_untagged"],
                upload_ttl=values["uploads.ttl"],
            )
        except Exception as exc:  # a failed run is reported; the next one tries again
            log.warning("garbage collection failed: %s: %s", type(exc).__name__, exc)
            if metrics is not None:
                metrics.gc_runs.labels("failed").inc()
            continue
        log.info("%s", report.summary())
        if metrics is not None:
            metrics.gc_runs.labels("ok").inc()
            metrics.gc_deleted_blobs.inc(len(report.blobs_deleted))
            metrics.gc_freed_bytes.inc(report.bytes_freed)
