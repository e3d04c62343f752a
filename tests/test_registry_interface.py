"""mypy proves that ``specgen.registry.handlers.Registry`` implements the generated typed handler
interface (``build/<set>/server/handlers.py``: ``Handlers`` and its request classes) of every
bundled registry set, and that it would notice if the interface and the backend drifted apart."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from specgen.layout import BUILD

ROOT = Path(__file__).resolve().parents[1]
SETS = ("registry_v2", "oci_v1_1")

CHECK = '''\
from specgen.model import DescriptorSet
from specgen.registry.handlers import Registry
from specgen.registry.storage import StorageDriver
from {module} import Handlers


def check(driver: StorageDriver, dset: DescriptorSet) -> Handlers:
    return Registry(driver, dset)
'''


def _mypy(tmp_path: Path, modules: dict[str, str]) -> dict[str, list[str]]:
    """Run mypy on the given modules (name → source); its error lines per module."""
    for name, text in modules.items():
        (tmp_path / f"{name}.py").write_text(text)
    # imported modules are analysed (so the types are real) but only the check modules report;
    # no ignore_missing_imports: a check module whose imports do not resolve fails
    (tmp_path / "mypy.ini").write_text("[mypy]\nfollow_imports = silent\npython_version = 3.11\n")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(tmp_path / "mypy.ini"),
         "--cache-dir", str(tmp_path / ".mypy_cache"), *(str(tmp_path / f"{n}.py") for n in modules)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={"PYTHONPATH": str(ROOT), "MYPYPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"})
    errors: dict[str, list[str]] = {name: [] for name in modules}
    for line in proc.stdout.splitlines():
        m = re.match(r".*?(\w+)\.py:\d+: error:", line)
        if m and m.group(1) in errors:
            errors[m.group(1)].append(line)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return errors


def _interface(set_name: str) -> str:
    return (BUILD / set_name / "server" / "handlers.py").read_text()


def test_registry_matches_every_bundled_sets_handler_interface_and_drift_is_caught(tmp_path):
    modules: dict[str, str] = {}
    for set_name in SETS:
        modules[f"gen_{set_name}"] = _interface(set_name)
        modules[f"check_{set_name}"] = CHECK.format(module=f"gen_{set_name}")
    # the interface drifts: the blob request's digest parameter is renamed
    drifted = _interface("oci_v1_1")
    drifted, n = re.subn(r"(class FetchBlobRequest\(Request\):.*?\n    )digest: str", r"\1blob_digest: str",
                         drifted, count=1, flags=re.S)
    assert n == 1
    modules["gen_drifted"] = drifted
    modules["check_drifted"] = CHECK.format(module="gen_drifted")
    errors = _mypy(tmp_path, modules)
    for set_name in SETS:
        assert errors[f"check_{set_name}"] == [], "\n".join(errors[f"check_{set_name}"])
        assert errors[f"gen_{set_name}"] == []
    assert any("Handlers" in e for e in errors["check_drifted"]), errors
