"""specgen: an executable specification of the Docker Registry HTTP API V2 and its compilers."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path


def _version() -> str:
    """The installed distribution's version, except in a checkout: there the ``pyproject.toml``
    beside this package is the truth (an installed ``specgen`` may be another tree's, or stale)."""
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        project = {}
    if project.get("name") == "specgen" and isinstance(project.get("version"), str):
        return project["version"]
    try:
        return metadata.version("specgen")
    except metadata.PackageNotFoundError:
        return "0+unknown"


__version__ = _version()
