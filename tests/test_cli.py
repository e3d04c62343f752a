import subprocess
import sys

import pytest

from specgen.cli import main, make_parser


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "specgen", *args], capture_output=True, text=True)


def test_top_level_help_lists_subcommands():
    out = run("--help")
    assert out.returncode == 0
    for command in ("build", "dump"):
        assert command in out.stdout


def subcommands() -> list[str]:
    parser = make_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)


@pytest.mark.parametrize("command", subcommands())
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert command in capsys.readouterr().out


def test_unknown_set_is_a_clear_error_not_a_traceback():
    out = run("dump", "no_such_set")
    assert out.returncode == 2
    assert "unknown descriptor set 'no_such_set'" in out.stderr
    assert "Traceback" not in out.stderr


def test_unreadable_dump_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    out = run("dump", str(bad))
    assert out.returncode == 2
    assert "cannot read descriptor dump" in out.stderr
    assert "Traceback" not in out.stderr


def test_version_is_the_projects():
    import tomllib
    from pathlib import Path

    import specgen

    declared = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]["version"]
    out = run("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"specgen {declared}" == f"specgen {specgen.__version__}"
