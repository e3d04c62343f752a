"""``specgen config-schema``: print the JSON Schema of ``specgen serve --config`` files."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "config-schema",
        help="print the JSON Schema of the `specgen serve --config` file",
        description="Print the JSON Schema (draft 2020-12) every `specgen serve --config` file is "
        "validated against; docs/configuration.md documents each key.",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from specgen.config import schema

    print(json.dumps(schema(), indent=2))
    return 0
