"""The wheel: it carries what a non-editable install needs (templates, descriptor data, build/), and
an installed wheel behaves as the checkout does. The second test installs it into a fresh venv
(no system site-packages, dependencies from pip's cache or PyPI) and, from a folder outside the
checkout, runs ``specgen build --out``, ``specgen docs`` and a ``specgen serve`` round trip."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import venv
import zipfile
from pathlib import Path

import peers
import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True)
    (built,) = out.glob("specgen-*.whl")
    return built


def test_wheel_ships_templates_descriptor_data_and_generated_build(wheel):
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


def _outside_env() -> dict[str, str]:
    """The environment minus anything that would import specgen from the checkout."""
    return {k: v for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "SPECGEN_PATH")}


def test_installed_wheel_builds_documents_and_serves_outside_the_checkout(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False, system_site_packages=False).create(env_dir)  # fast: no ensurepip
    python, specgen = env_dir / "bin" / "python", env_dir / "bin" / "specgen"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--disable-pip-version-check",
         "--prefer-binary", str(wheel)],
        capture_output=True, text=True, env=_outside_env(), timeout=600)
    assert install.returncode == 0, f"pip could not install the wheel and its dependencies:\n{install.stderr}"
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = _outside_env()

    def run(*argv: str | Path) -> subprocess.CompletedProcess:
        done = subprocess.run([str(a) for a in argv], cwd=work, env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, f"{argv}:\n{done.stdout}\n{done.stderr}"
        return done

    where = run(python, "-c", "import specgen; print(specgen.__file__)").stdout.strip()
    assert Path(where).is_relative_to(env_dir), where
    declared = run(python, "-c", "import tomllib, sys; print(tomllib.load(open(sys.argv[1], 'rb'))"
                   "['project']['version'])", ROOT / "pyproject.toml").stdout.strip()
    assert run(specgen, "--version").stdout.strip() == f"specgen {declared}"

    # specgen build --out: the installed compilers write what the checkout committed
    run(specgen, "build", "--out", "out")
    for rel in ("oci_v1_1/api.md", "registry_v2/openapi.json", "oci_v1_1/server/routes.py"):
        assert (work / "out" / rel).read_bytes() == (ROOT / "build" / rel).read_bytes(), rel
    # specgen docs: the default set's reference on stdout, as the checkout prints it
    checkout = subprocess.run([sys.executable, "-m", "specgen", "docs"], cwd=ROOT, capture_output=True, text=True,
                              env={**env, "PYTHONPATH": str(ROOT)}, check=True)
    installed = run(specgen, "docs").stdout
    assert installed.startswith("# OCI Distribution Specification v1.1") and installed == checkout.stdout

    # specgen serve, then push and pull a blob with the installed client
    port, log_path = peers.free_port(), work / "serve.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(specgen), "serve", "--root", "data", "--port", str(port)], cwd=work,
                                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        peers.wait_ready(url, proc, log_path)
        script = textwrap.dedent(f"""
            from specgen.client import RegistryClient
            with RegistryClient({url!r}) as registry:
                digest = registry.push_blob("smoke/test", b"hello from the wheel")
                assert registry.pull_blob("smoke/test", digest) == b"hello from the wheel"
                print(digest)
        """)
        digest = run(python, "-c", script).stdout.strip()
        assert digest.startswith("sha256:")
    finally:
        peers.stop_process(proc)
    assert (work / "data").is_dir()
