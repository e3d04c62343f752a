"""``specgen fsck --root DIR [--repair]``: check (and repair) a filesystem registry root."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from specgen.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fsck",
        help="check a filesystem registry root for consistency (and repair what a crash left)",
        description="Verify every blob's digest, every repository link's blob, every manifest "
        "revision (and an image manifest's blobs, an index's children), every tag's manifest and "
        "every upload session's state under --root; report errors (inconsistencies), leftovers "
        "(what no acknowledged write depends on: temporary files, half-written links, orphan "
        "blobs, broken sessions) and warnings. --repair removes the leftovers. Run it with the "
        "server stopped. Exit 0 when nothing but warnings remains, 1 otherwise.",
    )
    p.add_argument("--root", required=True, type=Path, help="the filesystem driver's storage directory")
    p.add_argument("--repair", action="store_true", help="remove what no acknowledged write depends on")
    p.add_argument("--quiet", "-q", action="store_true", help="print only the summary line")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from specgen.registry import fsck

    try:
        report = fsck.repair(args.root) if args.repair else fsck.check(args.root)
    except FileNotFoundError as exc:
        raise UserError(f"--root {args.root}: {exc}") from None
    except OSError as exc:
        raise UserError(f"--root {args.root}: cannot read it: {exc.strerror}") from None
    if not args.quiet:
        for finding in report.findings:
            print(finding)
    print(report.summary(), file=sys.stderr)
    return 0 if report.clean else 1
