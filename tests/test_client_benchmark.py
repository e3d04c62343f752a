"""benchmarks/client.py: a tiny run produces its table for every client, and its section of
docs/benchmarks.md is written between its own markers without touching the rest."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "client.py"


def _module():
    spec = importlib.util.spec_from_file_location("client_bench", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.interop
@pytest.mark.slow
def test_tiny_run_measures_every_client(tmp_path):
    clients = ["ours", "dxf", "oras", "skopeo"]
    pytest.importorskip("dxf")
    pytest.importorskip("oras.client")
    import shutil

    if shutil.which("skopeo") is None:
        clients.remove("skopeo")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--size-mib", "9", "--layers", "2", "--layer-mib", "1", "--runs", "1",
         "--clients", ",".join(clients), "--no-write", "--tmp", str(tmp_path)],
        capture_output=True, text=True, timeout=300, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {line.split("|")[1].strip(): line for line in proc.stdout.splitlines() if line.startswith("| ")}
    bench = _module()
    for client in clients:
        cells = rows[bench.NAMES[client]].split("|")[2:6]
        assert all(" MiB" in c and "–" in c for c in cells), rows[bench.NAMES[client]]
    assert "ceiling: sha256 alone" in rows and "ours / python-dxf (medians)" in rows
