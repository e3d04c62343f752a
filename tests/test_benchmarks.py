"""The benchmark script still runs end to end (tiny sizes; the real run is `python benchmarks/run.py`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import peers
import pytest

pytestmark = pytest.mark.interop

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_script_smoke(tmp_path):
    if not peers.docker_registry_available():
        pytest.skip("docker-registry missing: install the Debian package 'docker-registry'")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--size-mib", "4", "--chunk-mib", "1",
         "--manifests", "5", "--runs", "1", "--pulls", "1", "--no-write", "--tmp", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    for row in ("| docker-registry |", "| specgen serve |", "| client ceiling (null server) |",
                "| push chunked MiB/s |", "| peak RSS (lower is better) |"):
        assert row in out, row
    assert not list(tmp_path.iterdir()), "the benchmark left files behind"
