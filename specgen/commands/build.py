"""``specgen build [--out DIR] [--check]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from specgen import build
from specgen.descriptors import BUNDLED


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="write every artifact of every descriptor set into build/",
                       description="Compile every bundled descriptor set into docs, OpenAPI, "
                       "server and client code under DIR/<set>/.")
    p.add_argument("--out", default="build", type=Path, help="output directory (default: build)")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 naming each file that differs from a fresh build")
    p.add_argument("--set", dest="sets", action="append", metavar="SET",
                   help="build only this set (repeatable; default: all bundled sets)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    names = tuple(args.sets or BUNDLED)
    files = build.render_all(names)
    if args.check:
        problems = build.stale_files(args.out, files, names)
        for line in problems:
            print(line)
        if problems:
            print(f"{len(problems)} file(s) out of date: run `specgen build`", file=sys.stderr)
            return 1
        print(f"{len(files)} files up to date in {args.out}")
        return 0
    written = build.write(args.out, files, names)
    print(f"wrote {len(written)} files to {args.out}")
    return 0
