"""``specgen openapi [SET] [--version 3.1|3.0] [--format json|yaml] [--server URL] [-o FILE]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlsplit

from specgen.compilers.openapi import FORMATS, VERSIONS, compile_openapi, render
from specgen.descriptors import DEFAULT_SET, load_set
from specgen.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "openapi",
        help="print the OpenAPI document of a descriptor set",
        description="Compile a descriptor set into an OpenAPI 3.1 (or 3.0.3) document. "
        "What OpenAPI cannot say directly is kept in x- extensions (docs/openapi.md).",
    )
    p.add_argument("set", nargs="?", default=DEFAULT_SET, help=f"descriptor set (default: {DEFAULT_SET})")
    p.add_argument("--version", choices=sorted(VERSIONS), default="3.1", help="OpenAPI version (default 3.1)")
    p.add_argument("--format", choices=FORMATS, default="json", help="output format (default json)")
    p.add_argument("--server", metavar="URL", help="add this server URL (none by default)")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here instead of stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.server is not None:
        parts = urlsplit(args.server)
        if not (parts.scheme in ("http", "https") and parts.netloc) and not args.server.startswith("/"):
            raise UserError(f"--server {args.server!r} is neither an http(s) URL nor an absolute path")
    try:
        doc = compile_openapi(load_set(args.set), args.version, args.server)
    except ValueError as exc:
        raise UserError(f"cannot compile {args.set}: {exc}") from None
    data = render(doc, args.format)
    if args.output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    try:
        args.output.write_bytes(data)
    except OSError as exc:
        raise UserError(f"cannot write {args.output}: {exc}") from None
    return 0
