"""``specgen docs SET [--template-dir DIR] [--html] [--out FILE]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from specgen.descriptors import DEFAULT_SET, load_set
from specgen.errors import UserError
from specgen.markdown import render, render_html


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "docs", help="render one descriptor set's API reference (Markdown or HTML)",
        description="Render a descriptor set as a Markdown API reference (or, with --html, one "
        "self-contained HTML page). Templates in --template-dir take precedence over the bundled "
        "ones of the same name (api.md.j2, detail.md.j2, route.md.j2, request.md.j2, "
        "success.md.j2, failure.md.j2, macros.md.j2; api.html.j2, macros.html.j2, style.html.j2).")
    p.add_argument("set", nargs="?", default=DEFAULT_SET,
                   help=f"descriptor set: bundled name, module[:ATTR] or dump .json (default: {DEFAULT_SET})")
    p.add_argument("--template-dir", type=Path, metavar="DIR",
                   help="folder of templates overriding the bundled ones")
    p.add_argument("--html", action="store_true", help="render the HTML page instead of Markdown")
    p.add_argument("--out", type=Path, metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    dset = load_set(args.set)
    text = (render_html if args.html else render)(dset, template_dir=args.template_dir)
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
