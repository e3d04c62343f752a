"""``specgen dump [SET] --format json``."""

from __future__ import annotations

import argparse
import json
import sys

from specgen.descriptors import DEFAULT_SET, load_set
from specgen.dump import dump


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "dump",
        help="print a descriptor set as JSON in the shape of distribution's dump",
        description="Print a descriptor set with Go field names, nil lists as null, "
        "regexps as pattern text and error codes as their values.",
    )
    p.add_argument("set", nargs="?", default=DEFAULT_SET, help=f"descriptor set (default: {DEFAULT_SET})")
    p.add_argument("--format", choices=["json"], default="json")
    p.add_argument("--compact", action="store_true", help="no indentation")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    data = dump(load_set(args.set))
    json.dump(data, sys.stdout, indent=None if args.compact else 2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0
