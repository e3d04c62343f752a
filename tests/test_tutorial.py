"""docs/own-descriptor-set.md, run: every ``sh`` block, verbatim, in a fresh folder, in order.

A block that is a ``specgen serve`` command is started in the background (as the reader starts it
in a terminal of its own) and stopped when the next server starts or the tutorial ends. The one
liberty taken is the port: 5000 becomes a free one. ``specgen`` on the ``PATH`` is this checkout's.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import peers
import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "own-descriptor-set.md"
FENCE = re.compile(r"^```sh\n(.*?)^```$", re.MULTILINE | re.DOTALL)
PORT = "5000"

pytestmark = pytest.mark.slow


def shell_blocks(text: str) -> list[str]:
    return [m.group(1) for m in FENCE.finditer(text)]


def is_server(block: str) -> bool:
    lines = [line for line in block.splitlines() if line.strip()]
    return len(lines) == 1 and shlex.split(lines[0])[:2] == ["specgen", "serve"]


def with_port(block: str, port: int) -> str:
    return block.replace(f"127.0.0.1:{PORT}", f"127.0.0.1:{port}").replace(f"--port {PORT}", f"--port {port}")


def test_the_tutorial_has_the_steps_it_promises():
    blocks = shell_blocks(TUTORIAL.read_text(encoding="utf-8"))
    commands = " ".join(blocks)
    for step in ("specgen lint", "specgen docs", "specgen openapi", "specgen build --set books.py --out",
                 "specgen serve --set books.py", "specgen check"):
        assert step in commands, step
    assert sum(is_server(b) for b in blocks) == 2


def test_tutorial_runs_verbatim(tmp_path):
    if shutil.which("curl") is None:
        pytest.skip("curl missing: the tutorial's requests are curl commands (Debian package 'curl')")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "specgen"
    shim.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m specgen \"$@\"\n")
    shim.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    port = peers.free_port()
    outputs: list[tuple[str, str]] = []
    server: subprocess.Popen | None = None
    try:
        for block in shell_blocks(TUTORIAL.read_text(encoding="utf-8")):
            block = with_port(block, port)
            if is_server(block):
                if server is not None:
                    peers.stop_process(server)
                log = tmp_path / f"server-{len(outputs)}.log"
                with open(log, "wb") as out:
                    server = subprocess.Popen(["bash", "-c", f"exec {block}"], cwd=work, env=env, stdout=out,
                                              stderr=subprocess.STDOUT, start_new_session=True)
                # any answer at all means it listens (the books set has no /v2/)
                peers.wait_ready(f"http://127.0.0.1:{port}", server, log, path="/", ready=lambda status: True)
                outputs.append((block, ""))
                continue
            done = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=work, env=env,
                                  capture_output=True, text=True, timeout=180)
            assert done.returncode == 0, f"{block}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
            outputs.append((block, done.stdout + done.stderr))
    finally:
        if server is not None:
            peers.stop_process(server)

    def output_of(line: str) -> str:
        """The output of the block with this command line (the port already substituted)."""
        return next(out for block, out in outputs if line in block.splitlines())

    url = f"http://127.0.0.1:{port}"
    empty = output_of('specgen lint books.py || echo "exit status: $?"')
    assert "does not provide a DescriptorSet" in empty and "exit status: 2" in empty
    assert "books: 0 error(s), 0 warning(s)" in output_of("specgen lint books.py")
    assert (work / "books.md").read_text().startswith("# Bookshelf API")
    assert "<html" in (work / "books.html").read_text().lower()
    assert "openapi: 3.1.0" in (work / "books-openapi.yaml").read_text()
    assert {"api.md", "openapi.json", "server", "client"} <= {p.name for p in (work / "out" / "books").iterdir()}
    stub = output_of(f"curl -s {url}/v1/shelves/fiction/books/9780141439518")
    assert '"code": "UNSUPPORTED"' in stub and stub.endswith("\n405\n404\n")
    refused = output_of(f'specgen check {url} --set books.py || echo "exit status: $?"')
    assert "lacks the registry routes" in refused and "exit status: 2" in refused
    assert "myregistry: 0 error(s)" in output_of("specgen lint myregistry.py --errors-only")
    final = output_of(f"specgen check {url} --set myregistry.py --coverage")
    assert '"code": "UNSUPPORTED"' in final
    assert re.search(r"^health +0 +not exercised", final, re.MULTILINE), final
    assert re.search(r"^PASS: \d+ pass, \d+ skip, 0 fail, 0 error", final, re.MULTILINE), final
    assert (work / "registry-data").is_dir()
