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


def test_each_script_rewrites_only_its_own_section(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import docsection

    doc = tmp_path / "benchmarks.md"
    docsection.write_section("s3", "## S3\nfirst", doc)
    docsection.write_section("server", "## Server\nfirst", doc)  # goes before s3
    docsection.write_section("client", "## Client\nfirst", doc)  # between them
    docsection.write_section("server", "## Server\nsecond", doc)
    text = doc.read_text()
    assert text.startswith(docsection.HEADER)
    assert text.index("## Server\nsecond") < text.index("## Client\nfirst") < text.index("## S3\nfirst")
    assert "## Server\nfirst" not in text and text.count("<!-- server-begin -->") == 1
