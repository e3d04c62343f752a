"""Where specgen's data folders are: ``descriptors/``, ``templates/`` and ``build/``.

In a checkout they sit beside the ``specgen/`` package; an installed wheel carries them inside the
package as ``specgen/_descriptors``, ``specgen/_templates`` and ``specgen/_build`` (pyproject's
force-include), so a checkout and an installed wheel behave the same.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The folder ``name`` as shipped in the wheel, else the checkout's top-level one."""
    shipped = PACKAGE / f"_{name}"
    return shipped if shipped.is_dir() else PACKAGE.parent / name


#: Bundled descriptor sets, one folder per set (``descriptors/<set>/__init__.py``).
DESCRIPTORS = data_dir("descriptors")
#: Jinja templates, one folder per output kind.
TEMPLATES = data_dir("templates")
#: The committed generated artifacts, ``build/<set>/...``.
BUILD = data_dir("build")
