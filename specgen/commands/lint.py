"""``specgen lint [SET]``."""

from __future__ import annotations

import argparse
import sys

from specgen.descriptors import DEFAULT_SET, load_set
from specgen.lint import ERROR, WARNING, lint


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "lint",
        help="check a descriptor set for consistency",
        description="Check a descriptor set: duplicate route names, path variables "
        "without path parameter descriptors (and the reverse), invalid status codes, "
        "unregistered error codes, patterns that do not compile (errors), and error "
        "codes listed under a status other than their registered one (warnings). "
        "Exit 1 on errors, 0 with warnings only.",
    )
    p.add_argument("set", nargs="?", default=DEFAULT_SET, help=f"descriptor set (default: {DEFAULT_SET})")
    p.add_argument("--errors-only", action="store_true", help="do not print warnings")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    dset = load_set(args.set)
    findings = list(lint(dset))
    errors = sum(f.level == ERROR for f in findings)
    warnings = sum(f.level == WARNING for f in findings)
    for finding in findings:
        if finding.level == ERROR or not args.errors_only:
            print(finding)
    print(f"{dset.name}: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return 1 if errors else 0
