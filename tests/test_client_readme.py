"""The README's client example works as written against the `specgen serve` it shows."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLE_URL = "http://127.0.0.1:5000"


def client_section() -> tuple[str, str]:
    """(the `specgen serve` command line, the python block) of the README's client section."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Python client", 1)[1].split("\n## ", 1)[0]
    serve = re.search(r"```sh\n(specgen serve[^\n]*)\n```", section)
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert serve and len(blocks) == 1, "the client section has one serve command and one python block"
    assert section.index(serve.group(0)) < section.index("```python")
    return serve.group(1), blocks[0]


def test_readme_serve_command_is_the_example_port():
    command, code = client_section()
    argv = shlex.split(command)
    assert argv[argv.index("--port") + 1] == "5000"
    assert EXAMPLE_URL in code


@pytest.mark.interop
def test_readme_example_runs_against_specgen_serve(specgen_server, tmp_path):
    command, code = client_section()
    url = specgen_server()
    script = tmp_path / "example.py"
    script.write_text(code.replace(EXAMPLE_URL, url), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert re.fullmatch(r"pushed and pulled sha256:[0-9a-f]{64}\n", proc.stdout)
