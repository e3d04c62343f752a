"""``specgen docs``: one set's reference on stdout or in a file, Markdown or HTML, user templates."""

from __future__ import annotations

import json
import subprocess
import sys

from specgen.cli import main
from specgen.compilers import markdown
from specgen.compilers.html import render_html
from specgen.descriptors import load_set
from specgen.dump import dump


def test_docs_prints_the_markdown_reference(capsys):
    assert main(["docs", "registry_v2"]) == 0
    out = capsys.readouterr().out
    assert out == markdown.render(load_set("registry_v2"))
    assert "\n## Detail\n" in out


def test_docs_defaults_to_oci_v1_1_as_every_command_does(capsys):
    assert main(["docs"]) == 0
    assert capsys.readouterr().out == markdown.render(load_set("oci_v1_1"))


def test_docs_renders_any_set_given_as_a_module(capsys, synthetic_set):
    assert main(["docs", "synthetic:SYNTHETIC_SET"]) == 0
    assert capsys.readouterr().out == markdown.render(synthetic_set)


def test_docs_renders_a_dump_file(tmp_path, capsys, synthetic_set):
    path = tmp_path / "widgets.json"
    path.write_text(json.dumps(dump(synthetic_set)))
    assert main(["docs", str(path)]) == 0
    out = capsys.readouterr().out
    assert "| PUT | `/api/<shelf>/widgets/<id>` | Widget | Store a widget. |" in out


def test_docs_html_to_a_file(tmp_path, capsys, synthetic_set):
    target = tmp_path / "out" / "widgets.html"
    assert main(["docs", "synthetic:SYNTHETIC_SET", "--html", "--out", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert target.read_text(encoding="utf-8") == render_html(synthetic_set)


def test_docs_with_a_template_dir(tmp_path, capsys):
    (tmp_path / "markdown").mkdir()
    (tmp_path / "markdown/route.md.jinja").write_text("ROUTE {{ route.name }}\n")
    assert main(["docs", "synthetic:SYNTHETIC_SET", "--template-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "ROUTE widgets\nROUTE widget\n" in out
    assert "### Errors" in out, "the rest still comes from the bundled templates"


def test_docs_user_errors_exit_2_without_traceback(tmp_path, capsys):
    assert main(["docs", "synthetic:SYNTHETIC_SET", "--template-dir", str(tmp_path / "nope")]) == 2
    assert "template folder not found" in capsys.readouterr().err
    assert main(["docs", "no_such_set"]) == 2
    assert "unknown descriptor set" in capsys.readouterr().err
    (tmp_path / "markdown").mkdir()
    (tmp_path / "markdown/detail.md.jinja").write_text("{% if %}")
    assert main(["docs", "synthetic:SYNTHETIC_SET", "--template-dir", str(tmp_path)]) == 2
    assert "template syntax error" in capsys.readouterr().err


def test_docs_console_script_runs(tmp_path):
    """The installed command, in a child process, as a user would run it."""
    out = subprocess.run([sys.executable, "-m", "specgen", "docs", "registry_v2", "--html"],
                         capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.startswith("<!DOCTYPE html>") and out.stderr == ""
    help_text = subprocess.run([sys.executable, "-m", "specgen", "docs", "--help"],
                               capture_output=True, text=True, check=True).stdout
    assert "--template-dir" in help_text and "--html" in help_text


def test_docs_help_names_the_jinja_templates():
    help_text = subprocess.run([sys.executable, "-m", "specgen", "docs", "--help"],
                               capture_output=True, text=True, check=True).stdout
    assert ".md.jinja" in help_text and ".html.jinja" in help_text and ".j2" not in help_text


def test_template_folders_from_the_option_then_the_environment(tmp_path, capsys, monkeypatch):
    """``SPECGEN_TEMPLATE_DIRS`` is the environment form of ``--template-dir``: same layout, and
    searched after the folders given on the command line."""
    env_dir, cli_dir = tmp_path / "env", tmp_path / "cli"
    for folder in (env_dir, cli_dir):
        (folder / "markdown").mkdir(parents=True)
    (env_dir / "markdown/route.md.jinja").write_text("ENV {{ route.name }}\n")
    (env_dir / "markdown/detail.md.jinja").write_text("{% for route in routes %}{% include "
                                                      "'markdown/route.md.jinja' %}{% endfor %}")
    (cli_dir / "markdown/route.md.jinja").write_text("CLI {{ route.name }}\n")
    monkeypatch.setenv("SPECGEN_TEMPLATE_DIRS", str(env_dir))
    assert main(["docs", "synthetic:SYNTHETIC_SET"]) == 0
    assert capsys.readouterr().out.endswith("ENV widgets\nENV widget\n")
    assert main(["docs", "synthetic:SYNTHETIC_SET", "--template-dir", str(cli_dir)]) == 0
    assert capsys.readouterr().out.endswith("CLI widgets\nCLI widget\n")
    monkeypatch.setenv("SPECGEN_TEMPLATE_DIRS", str(tmp_path / "gone"))
    assert main(["docs", "synthetic:SYNTHETIC_SET"]) == 2
    assert "template folder not found" in capsys.readouterr().err
