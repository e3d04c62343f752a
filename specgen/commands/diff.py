"""``specgen diff OLD NEW``: every change between two descriptor sets, classified by rule."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from specgen.descriptors import load_set
from specgen.diff import LEVELS, diff_sets, severity
from specgen.diff.render import FORMATS, junit
from specgen.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "diff",
        help="list every change between two descriptor sets, classified by breaking-change rules",
        description="Compare two descriptor sets (a bundled name, a set folder or .py file, "
        "module:ATTRIBUTE, or a JSON dump in Go's format, so two Go dumps compare directly). "
        "Every change by route, method, request, response, parameter, header, body and error "
        "code is classified by a named rule with a level for clients and for servers: "
        f"{', '.join(reversed(LEVELS))}. The rules: docs/diff.md.",
    )
    p.add_argument("old", help="the older descriptor set")
    p.add_argument("new", help="the newer descriptor set")
    p.add_argument("--format", choices=sorted(FORMATS), default="text", help="output format (default: text)")
    p.add_argument("--out", type=Path, help="write to this file instead of stdout")
    p.add_argument(
        "--fail-on",
        choices=LEVELS,
        metavar="LEVEL",
        help=f"exit 1 when a change reaches LEVEL ({', '.join(LEVELS)}) for --side",
    )
    p.add_argument(
        "--side",
        choices=["clients", "servers", "both"],
        default="both",
        help="whose level --fail-on (and JUnit failures) look at (default: the worse of both)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    old, new = load_set(args.old), load_set(args.new)
    changes = diff_sets(old, new)
    if args.format == "junit":
        output = junit(changes, args.old, args.new, args.fail_on or "breaking", args.side)
    else:
        output = FORMATS[args.format](changes, args.old, args.new)
    if args.out:
        try:
            args.out.write_text(output, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot write {args.out}: {exc}") from None
    else:
        sys.stdout.write(output)
    if args.fail_on and any(severity(c.level(args.side)) >= severity(args.fail_on) for c in changes):
        return 1
    return 0
