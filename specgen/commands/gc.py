"""``specgen gc [--dry-run] [--delete-untagged]``: garbage-collect the registry's storage, safe
while ``specgen serve`` runs on it (``specgen.registry.gc`` explains why)."""

from __future__ import annotations

import argparse
import asyncio
import os

from specgen.config import flags as config_flags


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "gc",
        help="delete blobs no tagged manifest references (safe while the server runs)",
        description="Mark and sweep: tags → manifests → index children, config and layers, and the "
        "referrers of kept manifests; blobs and upload sessions younger than the grace period are "
        "kept, so it is safe while `specgen serve` runs and clients push. Reads the storage "
        "settings of a `specgen serve --config` file, SPECGEN_* variables and flags alike.",
    )
    p.add_argument(
        "--config", metavar="FILE", default=os.environ.get("SPECGEN_CONFIG"), help="serve's YAML configuration"
    )
    p.add_argument("--dry-run", action="store_true", help="report what would be deleted, delete nothing")
    p.add_argument(
        "--delete-untagged",
        dest="gc__delete_untagged",
        action=argparse.BooleanOptionalAction,
        default=argparse.SUPPRESS,
        help="also delete manifests no tag reaches (default: gc.delete_untagged of the configuration, off)",
    )
    p.add_argument(
        "--grace",
        dest="gc__grace",
        default=argparse.SUPPRESS,
        metavar="SECONDS",
        help="keep what was stored or touched this recently (default: gc.grace, 3600; 0 only when no server runs)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    config_flags.add_arguments(p, sections=("storage",))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from specgen import config
    from specgen.commands.serve import storage_driver
    from specgen.registry import gc

    given = config_flags.given(args)
    if hasattr(args, "gc__delete_untagged"):
        given["gc.delete_untagged"] = args.gc__delete_untagged
    if hasattr(args, "gc__grace"):
        given["gc.grace"] = config.loader.parse_text(config.BY_KEY["gc.grace"], args.gc__grace, "--grace")
    cfg = config.resolve(args.config, given)
    driver = storage_driver(cfg)

    async def once() -> gc.Report:
        try:
            return await gc.collect(
                driver,
                grace=cfg["gc.grace"],
                delete_untagged=cfg["gc.delete_untagged"],
                dry_run=args.dry_run,
                upload_ttl=cfg["uploads.ttl"],
            )
        finally:
            await driver.close()

    report = asyncio.run(once())
    if args.json:
        print(report.to_json())
    else:
        print(report.summary())
        for item in report.manifests_deleted:
            print(f"  manifest {item}")
        for digest in report.blobs_deleted:
            print(f"  blob {digest}")
    return 0
