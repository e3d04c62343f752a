"""The one Jinja environment of every compiler, and how a user overrides templates.

Templates are named ``<kind>/<file>.jinja`` (``markdown/route.md.jinja``, ``server/app.py.jinja``)
and looked up by a ``ChoiceLoader``: first the user's template folders — each ``--template-dir DIR``
given to ``specgen build`` or ``specgen docs``, then the folders named by ``SPECGEN_TEMPLATE_DIRS``
(``os.pathsep`` separated) — then the bundled ``templates/``. A user folder mirrors the bundled
one: copy ``templates/markdown/route.md.jinja`` to ``mine/markdown/route.md.jinja``, edit it, and
every other template still comes from the bundle.

Filters (``specgen.compilers.filters``) and the global ``generated_note`` are registered here
once; templates whose name ends in ``.html.jinja`` are autoescaped, no other is.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Union

import jinja2

from specgen.compilers.filters import FILTERS
from specgen.compilers.note import GENERATED_NOTE
from specgen.errors import UserError
from specgen.layout import TEMPLATES

#: The environment variable naming template folders (after any ``--template-dir``).
ENV_VAR = "SPECGEN_TEMPLATE_DIRS"
#: The one template extension.
EXTENSION = ".jinja"

#: Template folders as the compilers take them (one bare folder is accepted too).
TemplateDirs = Union[Sequence[Union[str, Path]], str, Path]


def template_dirs(extra: TemplateDirs = ()) -> tuple[Path, ...]:
    """The user's template folders in search order: ``extra``, then ``SPECGEN_TEMPLATE_DIRS``.

    Raises ``UserError`` for a folder that does not exist or is not laid out as ``templates/`` is.
    """
    if isinstance(extra, (str, Path)):  # one folder given bare
        extra = [extra]
    found: list[Path] = []
    named = [(Path(d), "") for d in extra]
    named += [(Path(d), f" (in {ENV_VAR})") for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d]
    for folder, origin in named:
        if not folder.is_dir():
            raise UserError(f"template folder not found: {folder}{origin}")
        _check_layout(folder)
        if folder not in found:
            found.append(folder)
    return tuple(found)


def _check_layout(folder: Path) -> None:
    """A user template that overrides a bundled one but sits where it would never be found (the
    old flat layout, or the old ``.j2`` extension) is a user error naming where it must go."""
    bundled = {p.name: p.parent.name for p in sorted(TEMPLATES.glob(f"*/*{EXTENSION}"), reverse=True)}
    for path in sorted(folder.glob("*.j2")) + sorted(folder.glob(f"*{EXTENSION}")):
        name = path.name.removesuffix(path.suffix) + EXTENSION
        if name in bundled and path.is_file():
            raise UserError(
                f"{path}: a template folder holds one folder per output kind, as the "
                f"bundled templates/ does; move it to {folder / bundled[name] / name}"
            )
    for path in sorted(folder.glob("*/*.j2")):
        name = path.with_suffix(EXTENSION).name
        if (TEMPLATES / path.parent.name / name).is_file():
            raise UserError(f"{path}: templates end in {EXTENSION} now; rename it to {name}")


@lru_cache(maxsize=32)
def _environment(folders: tuple[str, ...]) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(d) for d in folders]
    loaders.append(jinja2.FileSystemLoader(str(TEMPLATES)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=(f"html{EXTENSION}",), default=False, default_for_string=False
        ),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(FILTERS)
    env.globals["generated_note"] = GENERATED_NOTE
    return env


def environment(extra: TemplateDirs = ()) -> jinja2.Environment:
    """The environment over ``extra``, ``SPECGEN_TEMPLATE_DIRS`` and the bundled templates."""
    return _environment(tuple(str(d) for d in template_dirs(extra)))


def render(template: str, context: Mapping[str, Any], extra: TemplateDirs = ()) -> str:
    """Render ``<kind>/<file>.jinja``; a missing or broken template is a ``UserError``."""
    env = environment(extra)
    try:
        return env.get_template(template).render(context)
    except jinja2.TemplateNotFound as exc:
        raise UserError(f"template not found: {exc.name}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise UserError(f"{exc.filename or exc.name}:{exc.lineno}: template syntax error: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise UserError(f"template error: {exc.message}") from None


def template_names(extra: TemplateDirs = ()) -> list[str]:
    """Every template a render can use, bundled and overriding ones (``kind/file.jinja``)."""
    return environment(extra).list_templates(extensions=[EXTENSION.lstrip(".")])
