"""``specgen build [--set SET]... [--out DIR] [--check] [--template-dir DIR]...``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from specgen import build
from specgen.compilers.jinja import ENV_VAR
from specgen.descriptors import BUNDLED


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "build",
        help="write every artifact of every descriptor set into build/",
        description="Compile descriptor sets into docs, OpenAPI, server and client code "
        "under DIR/<set name>/, with every compiler of specgen/compilers/.",
    )
    p.add_argument("--out", default="build", type=Path, help="output directory (default: build)")
    p.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 naming each file that differs from a fresh build"
    )
    p.add_argument(
        "--set",
        dest="sets",
        action="append",
        metavar="SET",
        help="build only this set: a bundled name, a set folder, a .py file, a .json dump "
        "or module:ATTR; written to DIR/<the set's name>/ (repeatable; default: all bundled sets)",
    )
    add_template_dir_option(p)
    p.set_defaults(func=run)


def add_template_dir_option(p: argparse.ArgumentParser) -> None:
    """``--template-dir DIR``, understood the same way by every command that renders templates."""
    p.add_argument(
        "--template-dir",
        dest="template_dirs",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="folder of templates laid out as the bundled templates/ "
        "(DIR/<kind>/<name>.jinja), searched before them (repeatable; then the folders "
        f"in ${ENV_VAR})",
    )


def run(args: argparse.Namespace) -> int:
    sets = build.load_sets(args.sets or BUNDLED)
    names = [dset.name for dset in sets]
    files = build.render_all(sets, args.template_dirs)
    # docs/configuration.md is generated from the settings table; checked and written with build/
    from specgen.config import docs as config_docs
    from specgen.layout import BUILD

    config_page = args.out.resolve() == BUILD.resolve()
    if args.check:
        problems = build.stale_files(args.out, files, names) + (config_docs.stale() if config_page else [])
        for line in problems:
            print(line)
        if problems:
            print(f"{len(problems)} file(s) out of date: run `specgen build`", file=sys.stderr)
            return 1
        print(f"{len(files)} files up to date in {args.out} ({', '.join(names)})")
        return 0
    written = build.write(args.out, files, names)
    if config_page:
        config_docs.write()
    print(f"wrote {len(written)} files to {args.out} ({', '.join(names)})")
    return 0
