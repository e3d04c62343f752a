"""The ``build/`` tree: every compiler's artifacts for each descriptor set under ``build/<set name>/``,
the staleness check of a committed tree, and writing it.

A set is keyed by its own name (``DescriptorSet.name``), however it was given: ``--set ./mine.json``
writes ``build/mine/`` when the dump's set is called ``mine``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from specgen.compilers import discover
from specgen.compilers.jinja import TemplateDirs
from specgen.descriptors import BUNDLED, load_set
from specgen.errors import UserError
from specgen.model import DescriptorSet


def _check_folder_name(dset: DescriptorSet, given: str) -> None:
    name = dset.name
    if not name or name.startswith(".") or any(sep in name for sep in ("/", "\\", "\0")):
        raise UserError(
            f"{given}: the set's name {name!r} cannot name a folder under build/ "
            "(give the DescriptorSet a plain name such as 'my_registry')"
        )


def load_sets(specs: Iterable[str | DescriptorSet] = BUNDLED) -> list[DescriptorSet]:
    """The sets to build, from names, folders, files, ``module:ATTR`` (see ``load_set``) or sets;
    the same set given twice counts once, two different sets with one name are a ``UserError``."""
    sets: dict[str, tuple[DescriptorSet, str]] = {}
    for spec in specs:
        dset = spec if isinstance(spec, DescriptorSet) else load_set(spec)
        given = spec.name if isinstance(spec, DescriptorSet) else spec
        _check_folder_name(dset, given)
        if dset.name in sets and sets[dset.name][0] != dset:
            raise UserError(
                f"{sets[dset.name][1]} and {given} are two different sets both named "
                f"{dset.name!r}: each set is built into build/<its name>/"
            )
        sets.setdefault(dset.name, (dset, given))
    return [dset for dset, _ in sets.values()]


def render_set(dset: DescriptorSet, template_dirs: TemplateDirs = ()) -> dict[str, bytes]:
    """All artifacts of one set, keyed by path relative to ``build/<set>/``."""
    files: dict[str, bytes] = {}
    for compiler in discover():
        for rel, data in compiler.outputs(dset, template_dirs):
            if rel in files and files[rel] != data:  # identical bytes (a shared __init__.py) are fine
                raise RuntimeError(f"two compilers write {rel}")
            files[rel] = data
    return files


def render_all(specs: Iterable[str | DescriptorSet] = BUNDLED, template_dirs: TemplateDirs = ()) -> dict[str, bytes]:
    """Every artifact, keyed by ``<set name>/<path>`` relative to the build directory."""
    files: dict[str, bytes] = {}
    for dset in load_sets(specs):
        for rel, data in render_set(dset, template_dirs).items():
            files[f"{dset.name}/{rel}"] = data
    return files


def _existing(out: Path, set_names: Iterable[str]) -> set[str]:
    found = set()
    for name in set_names:
        root = out / name
        if root.is_dir():
            for path in root.rglob("*"):
                if path.is_file() and "__pycache__" not in path.parts:
                    found.add(path.relative_to(out).as_posix())
    return found


def stale_files(out: Path, files: dict[str, bytes], set_names: Iterable[str] = BUNDLED) -> list[str]:
    """Lines naming each file of the sets ``set_names`` that differs from, lacks or outlives the
    fresh output ``files``."""
    problems = []
    for rel, data in sorted(files.items()):
        path = out / rel
        if not path.is_file():
            problems.append(f"missing: {path}")
        elif path.read_bytes() != data:
            problems.append(f"stale: {path}")
    for rel in sorted(_existing(out, set_names) - set(files)):
        problems.append(f"not generated (remove it): {out / rel}")
    return problems


def write(out: Path, files: dict[str, bytes], set_names: Sequence[str] = BUNDLED) -> list[Path]:
    """Write the artifacts, removing files of those sets that are no longer generated."""
    written = []
    for rel in sorted(_existing(out, set_names) - set(files)):
        (out / rel).unlink()
    for rel, data in sorted(files.items()):
        path = out / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.is_file() or path.read_bytes() != data:
                path.write_bytes(data)
        except OSError as exc:
            raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
        written.append(path)
    return written
