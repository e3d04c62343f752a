"""The wheel carries what a non-editable install needs: templates, descriptor data and build/."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_templates_descriptor_data_and_generated_build(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("specgen-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "specgen/_descriptors/registry_v2/intro.md" in names
    assert "specgen/_descriptors/oci_v1_1/__init__.py" in names
    assert "specgen/_generated/__init__.py" in names
    committed = [p for p in (ROOT / "build").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    for path in committed:
        assert f"specgen/_build/{path.relative_to(ROOT / 'build').as_posix()}" in names
    templates = [p for p in (ROOT / "templates").rglob("*") if p.is_file()]
    for path in templates:
        assert f"specgen/_templates/{path.relative_to(ROOT / 'templates').as_posix()}" in names
