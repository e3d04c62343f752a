"""The Jinja environment of the code generators.

A ``ChoiceLoader`` looks first in the folders named by ``SPECGEN_TEMPLATE_DIRS`` (``os.pathsep``
separated, each holding ``<kind>/<template>``), then in the bundled ``specgen/templates``, so a user
can override one template without copying the rest.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from specgen.build import GENERATED_NOTE

from specgen.layout import TEMPLATES as BUNDLED_TEMPLATES  # noqa: E402


@lru_cache(maxsize=None)
def environment(extra: str = "") -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(d) for d in extra.split(os.pathsep) if d]
    loaders.append(jinja2.FileSystemLoader(str(BUNDLED_TEMPLATES)))
    env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
                             autoescape=False)
    env.globals["generated_note"] = GENERATED_NOTE
    return env


def render(kind: str, template: str, context: dict[str, Any]) -> str:
    env = environment(os.environ.get("SPECGEN_TEMPLATE_DIRS", ""))
    return env.get_template(f"{kind}/{template}").render(**context)
