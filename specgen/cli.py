"""The ``specgen`` command. Each module of ``specgen.commands`` adds one subcommand through
``register(subparsers)``, so a compiler brings its own command without editing this file."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import specgen
import specgen.commands
from specgen.descriptors import SetNotFound
from specgen.dump import DumpError
from specgen.errors import UserError


def make_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand, or of ``command`` alone when it names one: ``specgen serve``
    then loads no compiler, template engine or checker into the server's process."""
    parser = argparse.ArgumentParser(
        prog="specgen",
        description="Compile the Docker Registry HTTP API V2 descriptors into docs, OpenAPI, "
        "server and client stubs, and check registries against them.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {specgen.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    names = sorted(info.name for info in pkgutil.iter_modules(specgen.commands.__path__))
    chosen = [name for name in names if name.replace("_", "-") == command]
    for name in chosen or names:
        importlib.import_module(f"specgen.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv and not argv[0].startswith("-") else None
    args = make_parser(command).parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (UserError, SetNotFound, DumpError) as exc:
        print(f"specgen: error: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", 2)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
