import dataclasses
import json
from pathlib import Path

import pytest

from specgen import build
from specgen.cli import main
from specgen.compilers import discover
from specgen.compilers.note import GENERATED_NOTE
from specgen.descriptors import BUNDLED, load_set
from specgen.dump import dump
from specgen.errors import UserError

ROOT = Path(__file__).resolve().parents[1]


def test_committed_build_directory_is_fresh():
    """The committed build/ equals what the descriptors and templates produce now."""
    files = build.render_all(BUNDLED)
    assert build.stale_files(ROOT / "build", files, BUNDLED) == []


def test_check_names_stale_missing_and_extra_files(tmp_path):
    files = {"s/a.txt": b"one", "s/b.txt": b"two"}
    build.write(tmp_path, files, ["s"])
    assert build.stale_files(tmp_path, files, ["s"]) == []
    (tmp_path / "s/a.txt").write_bytes(b"edited by hand")
    (tmp_path / "s/b.txt").unlink()
    (tmp_path / "s/old.txt").write_bytes(b"left over")
    problems = build.stale_files(tmp_path, files, ["s"])
    assert problems == [
        f"stale: {tmp_path / 's/a.txt'}",
        f"missing: {tmp_path / 's/b.txt'}",
        f"not generated (remove it): {tmp_path / 's/old.txt'}",
    ]
    build.write(tmp_path, files, ["s"])
    assert build.stale_files(tmp_path, files, ["s"]) == []
    assert not (tmp_path / "s/old.txt").exists()


def test_build_is_deterministic():
    assert build.render_all(BUNDLED) == build.render_all(BUNDLED)


# --- own sets: build/<the set's name>/ -----------------------------------------------------------

KINDS = ("api.md", "api.html", "openapi.json", "openapi.yaml", "openapi-3.0.json", "__init__.py",
         "server/routes.py", "client/api.py")


def built_sets(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir()) if out.is_dir() else []


@pytest.fixture
def own_sets(tmp_path, monkeypatch, synthetic_set):
    """The synthetic set (named ``widgets``) as a user would keep it: a dump, a .py file, a folder."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.json").write_text(json.dumps(dump(synthetic_set)))
    source = "from synthetic import SYNTHETIC_SET as DESCRIPTOR_SET\n"
    (tmp_path / "myset.py").write_text(source)
    (tmp_path / "setdir").mkdir()
    (tmp_path / "setdir/__init__.py").write_text(source)
    return tmp_path


@pytest.mark.parametrize("spec, name", [
    ("./mine.json", "mine"),             # a dump is named after its file
    ("mine.json", "mine"),
    ("./myset.py", "widgets"),
    ("./setdir", "widgets"),
    ("synthetic:SYNTHETIC_SET", "widgets"),
])
def test_build_writes_an_own_set_under_its_name(own_sets, capsys, spec, name):
    assert main(["build", "--set", spec, "--out", "out"]) == 0
    assert built_sets(own_sets / "out") == [name]
    for rel in KINDS:
        assert (own_sets / "out" / name / rel).is_file(), rel
    assert capsys.readouterr().out == f"wrote {len(KINDS) + 6} files to out ({name})\n"


def test_check_keys_on_the_set_name(own_sets, capsys):
    out = own_sets / "out"
    assert main(["build", "--set", "./mine.json", "--out", str(out)]) == 0
    assert main(["build", "--check", "--set", "./mine.json", "--out", str(out)]) == 0
    assert "up to date" in capsys.readouterr().out
    (out / "mine/api.md").write_text("edited")
    (out / "mine/left-over.txt").write_text("old")
    assert main(["build", "--check", "--set", "./mine.json", "--out", str(out)]) == 1
    report = capsys.readouterr().out
    assert f"stale: {out / 'mine/api.md'}" in report
    assert f"not generated (remove it): {out / 'mine/left-over.txt'}" in report
    assert main(["build", "--set", "mine.json", "--out", str(out)]) == 0
    assert not (out / "mine/left-over.txt").exists() and built_sets(out) == ["mine"]


def test_one_set_given_twice_is_built_once_two_sets_with_one_name_are_refused(own_sets, capsys):
    assert main(["build", "--set", "./myset.py", "--set", "synthetic:SYNTHETIC_SET", "--out", "out"]) == 0
    assert built_sets(own_sets / "out") == ["widgets"]
    other = dataclasses.replace(load_set("synthetic:SYNTHETIC_SET"), title="Another API")
    with pytest.raises(UserError, match="two different sets both named 'widgets'"):
        build.load_sets(["synthetic:SYNTHETIC_SET", other])


def test_a_set_name_that_is_no_folder_name_is_a_user_error(synthetic_set):
    for bad in ("", "../up", "a/b", ".hidden"):
        with pytest.raises(UserError, match="cannot name a folder under build/"):
            build.load_sets([dataclasses.replace(synthetic_set, name=bad)])


def test_build_of_an_unknown_set_exits_2(tmp_path, capsys):
    assert main(["build", "--set", "no_such_set", "--out", str(tmp_path)]) == 2
    assert "unknown descriptor set" in capsys.readouterr().err
    assert built_sets(tmp_path) == []


# --- compilers and user templates --------------------------------------------------------------

def test_build_discovers_every_compiler_package():
    assert [c.__name__.rsplit(".", 1)[1] for c in discover()] == \
        ["client", "html", "markdown", "openapi", "server"]


def test_template_dirs_reach_every_templated_compiler(tmp_path, synthetic_set, monkeypatch):
    """``--template-dir`` and ``SPECGEN_TEMPLATE_DIRS`` override code templates as they do docs."""
    cli_dir, env_dir = tmp_path / "cli", tmp_path / "env"
    for rel, folder in (("markdown/api.md.jinja", cli_dir), ("html/style.html.jinja", cli_dir),
                        ("client/errors.py.jinja", env_dir), ("server/app.py.jinja", env_dir)):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(f"# OVERRIDE {rel} {{{{ generated_note }}}}\n")
    monkeypatch.setenv("SPECGEN_TEMPLATE_DIRS", str(env_dir))
    out = tmp_path / "out"
    assert main(["build", "--set", "synthetic:SYNTHETIC_SET", "--out", str(out),
                 "--template-dir", str(cli_dir)]) == 0
    for rel in ("api.md", "api.html", "client/errors.py", "server/app.py"):
        assert "# OVERRIDE " in (out / "widgets" / rel).read_text(), rel
    assert "OVERRIDE" not in (out / "widgets/server/routes.py").read_text()
    assert (out / "widgets/client/errors.py").read_text() == \
        f"# OVERRIDE client/errors.py.jinja {GENERATED_NOTE}\n"
    monkeypatch.delenv("SPECGEN_TEMPLATE_DIRS")
    assert build.render_set(synthetic_set) != build.render_set(synthetic_set, [cli_dir])
