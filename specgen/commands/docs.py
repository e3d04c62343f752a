"""``specgen docs [SET] [--html] [--out FILE] [--template-dir DIR]...``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from specgen.commands.build import add_template_dir_option
from specgen.compilers.html import render_html
from specgen.compilers.markdown import render
from specgen.descriptors import DEFAULT_SET, load_set
from specgen.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "docs",
        help="render one descriptor set's API reference (Markdown or HTML)",
        description="Render a descriptor set as a Markdown API reference (or, with --html, one "
        "self-contained HTML page). A template in a --template-dir folder takes precedence over the "
        "bundled one of the same name: markdown/{api,detail,route,request,success,failure,macros}"
        ".md.jinja and html/{api,macros,style}.html.jinja.",
    )
    p.add_argument(
        "set",
        nargs="?",
        default=DEFAULT_SET,
        help=f"descriptor set: bundled name, module[:ATTR] or dump .json (default: {DEFAULT_SET})",
    )
    p.add_argument("--html", action="store_true", help="render the HTML page instead of Markdown")
    p.add_argument("--out", type=Path, metavar="FILE", help="write to FILE instead of standard output")
    add_template_dir_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    dset = load_set(args.set)
    text = (render_html if args.html else render)(dset, args.template_dirs)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"wrote {args.out}", file=sys.stderr)
    return 0
