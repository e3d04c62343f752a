"""The Markdown reference compiler: filters, the registry golden, the synthetic snapshot, overrides."""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import http
import os
import subprocess
import sys
from pathlib import Path

import pytest

from specgen.compilers import filters, jinja, markdown
from specgen.compilers import html as html_compiler
from specgen.compilers.html import render_html
from specgen.compilers.note import GENERATED_NOTE
from specgen.descriptors import BUNDLED, load_set
from specgen.errors import UserError

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"

# The detail part (from the `## Detail` line to the end) of distribution's generated api.md.
GOLDEN_DETAIL_BYTES = 108_558
GOLDEN_DETAIL_NEWLINES = 3_969
GOLDEN_DETAIL_SHA256 = "102de99a40c49ffad2f212f786574616b4def457de5c0ebd12511b188f06408d"


def detail_part(document: str) -> str:
    """From the line ``## Detail`` to the end of the document."""
    index = document.find("\n## Detail\n")
    assert index >= 0 or document.startswith("## Detail\n"), "no `## Detail` line"
    return document[index + 1:] if index >= 0 else document


@pytest.fixture(scope="module")
def registry_set():
    return load_set("registry_v2")


# --- filters -----------------------------------------------------------------------------------

def test_removenewlines_joins_lines_like_gos_regexp():
    assert filters.removenewlines("one\ntwo") == "one two"
    assert filters.removenewlines("one\n\t  \n  two\nthree") == "one two three"
    assert filters.removenewlines("no newline  here") == "no newline  here"
    # Go's \s is [\t\n\f\r ]: a vertical tab or a no-break space after a newline stays.
    assert filters.removenewlines("a\n\vb") == "a \vb"
    assert filters.removenewlines("a\n\u00a0b") == "a \u00a0b"


@pytest.mark.parametrize("code, text", [
    (200, "OK"), (202, "Accepted"), (307, "Temporary Redirect"), (401, "Unauthorized"),
    (413, "Request Entity Too Large"), (414, "Request URI Too Long"),
    (416, "Requested Range Not Satisfiable"), (418, "I'm a teapot"),
    (422, "Unprocessable Entity"), (425, "Too Early"), (429, "Too Many Requests"),
    (103, "Early Hints"), (511, "Network Authentication Required"),
])
def test_statustext_is_gos_table(code, text):
    assert filters.statustext(code) == text


def test_statustext_differs_from_python_where_go_does():
    """Python's phrases are not Go's; the table must not be derived from http.HTTPStatus."""
    differing = [c for c in filters.GO_STATUS_TEXT
                 if c in http.HTTPStatus._value2member_map_
                 and http.HTTPStatus(c).phrase != filters.statustext(c)]
    assert 414 in differing and 418 in differing
    assert filters.statustext(299) == "" and filters.statustext(999) == ""


@pytest.mark.parametrize("path, pretty", [
    ("/v2/", "/v2/"),
    ("/v2/{name:(?:[a-z0-9]+)(?:/[a-z0-9]+)*}/tags/list", "/v2/<name>/tags/list"),
    ("/v2/{name:[a-z]+}/blobs/{digest:[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}}",
     "/v2/<name>/blobs/<digest>"),
    ("/x/{id}/y", "/x/<id>/y"),
    ("/a/{n:x{2,3}}{m:[0-9]{1}}", "/a/<n><m>"),
])
def test_prettygorilla_strips_balanced_patterns(path, pretty):
    assert filters.prettygorilla(path) == pretty


def test_prettygorilla_on_every_registry_route(registry_set):
    for route in registry_set.routes:
        pretty = filters.prettygorilla(route.path)
        assert "{" not in pretty and "}" not in pretty and pretty.startswith("/v2/")


# --- the registry golden -----------------------------------------------------------------------

def test_registry_detail_is_byte_identical_to_upstream(registry_set, oracles):
    detail = detail_part(markdown.render(registry_set)).encode("utf-8")
    figures = (len(detail), detail.count(b"\n"), hashlib.sha256(detail).hexdigest())
    expected = (GOLDEN_DETAIL_BYTES, GOLDEN_DETAIL_NEWLINES, GOLDEN_DETAIL_SHA256)
    if figures != expected and (oracles / "api.md").exists():
        upstream = detail_part((oracles / "api.md").read_text(encoding="utf-8"))
        diff = difflib.unified_diff(upstream.splitlines(True), detail.decode().splitlines(True),
                                    "upstream api.md", "specgen", n=2)
        pytest.fail(f"figures {figures} != {expected}; first differences:\n"
                    + "".join(list(diff)[:80]))
    assert figures == expected


def test_render_detail_is_the_detail_part(registry_set):
    document = markdown.render(registry_set)
    assert markdown.render_detail(registry_set) == detail_part(document)


def test_document_is_the_sets_intro_then_the_detail(registry_set):
    document = markdown.render(registry_set)
    intro = registry_set.intro
    assert intro.strip(), "registry_v2 brings its own introduction"
    assert "## Detail" not in intro
    assert document == intro.rstrip("\n") + "\n\n" + markdown.render_detail(registry_set)
    for topic in ("Authentication", "Pagination", "Digests", "Pushing", "Pulling"):
        assert topic in intro


def test_no_intro_means_detail_only(synthetic_set):
    bare = dataclasses.replace(synthetic_set, intro="")
    assert markdown.render(bare) == markdown.render_detail(bare)


# --- the synthetic snapshot --------------------------------------------------------------------

def test_synthetic_set_matches_snapshot(synthetic_set):
    """The synthetic set (nothing registry-like) renders to the committed Markdown.

    After an intended change: SPECGEN_UPDATE_SNAPSHOTS=1 pytest tests/test_markdown.py, then review
    the diff of tests/snapshots/ before committing it.
    """
    text = markdown.render(synthetic_set)
    path = SNAPSHOTS / "widgets.api.md"
    if os.environ.get("SPECGEN_UPDATE_SNAPSHOTS"):
        path.write_text(text, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert text == expected, "".join(difflib.unified_diff(
        expected.splitlines(True), text.splitlines(True), str(path), "rendered", n=2))


def test_synthetic_markdown_is_sensible(synthetic_set):
    text = markdown.render(synthetic_set)
    assert text.startswith("# Widget Shelf API\n")
    assert "| GET | `/api/<shelf>/widgets` | Widgets | List the widgets on a shelf. |" in text
    assert "| DELETE | `/api/<shelf>/widgets/<id>` | Widget | Remove a widget. |" in text
    assert "GET /api/<shelf>/widgets?limit=<integer>\nX-Trace: <token>\n```" in text
    assert "###### On Failure: Busy\n\n```none\n503 Service Unavailable\n```" in text
    # every error code appears in the table when the set names no selection
    for err in synthetic_set.errors:
        assert f" `{err.value}` | {err.message} |" in text
    assert "{" not in text.replace("{{< hint type=note >}}", "").replace("{{< /hint >}}", "") \
        .replace('{\n    "widgets"', "")


# --- the error table selection -----------------------------------------------------------------

def test_error_table_follows_the_sets_selection(synthetic_set):
    chosen = dataclasses.replace(synthetic_set,
                                 extensions={markdown.ERROR_TABLE_KEY: ("WIDGET_UNKNOWN", "BUSY")})
    assert [e.value for e in markdown.error_table(chosen)] == ["WIDGET_UNKNOWN", "BUSY"]
    assert [e.value for e in markdown.error_table(synthetic_set)] == \
        ["BUSY", "SHELF_INVALID", "WIDGET_UNKNOWN"]


def test_error_table_rejects_unregistered_codes(synthetic_set):
    bad = dataclasses.replace(synthetic_set, extensions={markdown.ERROR_TABLE_KEY: ("NOPE",)})
    with pytest.raises(UserError, match="NOPE"):
        markdown.render(bad)


def test_registry_error_table_is_upstreams_selection(registry_set):
    values = [e.value for e in markdown.error_table(registry_set)]
    own = [e.value for e in registry_set.errors if e.group == "registry.api.v2"]
    assert values == sorted(own) + ["UNAUTHORIZED", "DENIED", "UNSUPPORTED"]


# --- determinism -------------------------------------------------------------------------------

def test_rendering_is_deterministic(registry_set, synthetic_set):
    for dset in (registry_set, synthetic_set):
        assert markdown.render(dset) == markdown.render(dset)
        assert render_html(dset) == render_html(dset)


def test_rendering_is_the_same_in_another_process(tmp_path):
    """Hash seeds and import order must not leak into the output."""
    script = ("import sys, hashlib; from specgen.compilers import markdown; from specgen.compilers.html "
              "import render_html; from specgen.descriptors import load_set; d = load_set('registry_v2'); "
              "print(hashlib.sha256((markdown.render(d) + render_html(d)).encode()).hexdigest())")
    digests = set()
    for seed in ("1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                             text=True, check=True, cwd=tmp_path)
        digests.add(out.stdout.strip())
    assert len(digests) == 1


# --- user templates ----------------------------------------------------------------------------

def user_template(folder: Path, name: str, text: str) -> Path:
    """Write ``folder/<kind>/<name>`` as a user would, mirroring the bundled templates/."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_user_template_overrides_the_bundled_one(tmp_path, synthetic_set):
    user_template(tmp_path, "markdown/failure.md.jinja",
                  "\n**{{ response.status_code }}** ({{ response.status_code | statustext }}): "
                  "{{ response.description }}\n")
    text = markdown.render(synthetic_set, [tmp_path])
    assert "**503** (Service Unavailable): Come back later." in text
    assert "###### On Failure" not in text
    assert "###### On Success: OK" in text, "templates not overridden still come from the bundle"
    assert markdown.render(synthetic_set, tmp_path) == text, "one folder may be given bare"


def test_user_template_can_replace_the_whole_document(tmp_path, synthetic_set):
    user_template(tmp_path, "markdown/api.md.jinja",
                  "# {{ dset.title }}\n{% for route in routes %}- {{ route.path | prettygorilla }}\n{% endfor %}")
    assert markdown.render(synthetic_set, [tmp_path]) == \
        "# Widget Shelf API\n- /api/<shelf>/widgets\n- /api/<shelf>/widgets/<id>\n"


def test_user_style_overrides_the_html_page(tmp_path, synthetic_set):
    user_template(tmp_path, "html/style.html.jinja", "<style>body { color: rebeccapurple; }</style>\n")
    page = render_html(synthetic_set, [tmp_path])
    assert "rebeccapurple" in page and "--nav-width" not in page


def test_earlier_template_folders_win(tmp_path, synthetic_set):
    first, second = tmp_path / "first", tmp_path / "second"
    user_template(first, "markdown/route.md.jinja", "FIRST {{ route.name }}\n")
    user_template(second, "markdown/route.md.jinja", "SECOND {{ route.name }}\n")
    user_template(second, "html/style.html.jinja", "<style>/* SECOND */</style>\n")
    assert "FIRST widgets" in markdown.render(synthetic_set, [first, second])
    assert "SECOND" not in markdown.render(synthetic_set, [first, second])
    assert "/* SECOND */" in render_html(synthetic_set, [first, second]), "a later folder still counts"


def test_template_problems_are_user_errors(tmp_path, synthetic_set):
    with pytest.raises(UserError, match="template folder not found"):
        markdown.render(synthetic_set, [tmp_path / "missing"])
    route = user_template(tmp_path, "markdown/route.md.jinja", "{% for x in %}\n")
    with pytest.raises(UserError, match="route.md.jinja:1: template syntax error"):
        markdown.render(synthetic_set, [tmp_path])
    route.write_text("{{ route.no_such_field }}\n")
    with pytest.raises(UserError, match="no_such_field"):
        markdown.render(synthetic_set, [tmp_path])


def test_a_template_outside_a_kind_folder_is_a_user_error(tmp_path, synthetic_set):
    """The old flat layout (``--template-dir`` holding ``route.md.j2`` directly) is named, with
    where the file must go now, instead of being silently ignored."""
    (tmp_path / "route.md.jinja").write_text("X")
    with pytest.raises(UserError, match=r"move it to .*markdown/route\.md\.jinja"):
        markdown.render(synthetic_set, [tmp_path])
    (tmp_path / "route.md.jinja").unlink()
    user_template(tmp_path, "markdown/route.md.j2", "X")
    with pytest.raises(UserError, match=r"rename it to route\.md\.jinja"):
        markdown.render(synthetic_set, [tmp_path])


def test_a_users_own_helper_template_may_sit_anywhere(tmp_path, synthetic_set):
    user_template(tmp_path, "helpers.jinja", "{% macro shout(x) %}{{ x | upper }}{% endmacro %}")
    user_template(tmp_path, "markdown/route.md.jinja",
                  '{% import "helpers.jinja" as h %}{{ h.shout(route.name) }}\n')
    assert "WIDGETS\nWIDGET\n" in markdown.render(synthetic_set, [tmp_path])


def test_bundled_templates_are_in_the_package():
    names = set(jinja.template_names())
    assert {"markdown/api.md.jinja", "markdown/detail.md.jinja", "html/api.html.jinja",
            "html/style.html.jinja"} <= names
    assert all(name.endswith(".jinja") for name in names)
    from specgen.layout import TEMPLATES

    assert not list(TEMPLATES.rglob("*.j2")), "one template extension: .jinja"


# --- build outputs -----------------------------------------------------------------------------

def test_outputs_are_api_md_and_api_html_with_the_generated_note(synthetic_set):
    files = dict(markdown.outputs(synthetic_set))
    assert sorted(files) == ["api.md"]
    md_text = files["api.md"].decode()
    assert md_text.splitlines()[0] == f"<!-- {GENERATED_NOTE} -->"
    assert "specgen build" in md_text.splitlines()[0]
    assert md_text.endswith(markdown.render(synthetic_set))
    pages = dict(html_compiler.outputs(synthetic_set))
    assert sorted(pages) == ["api.html"]
    html_text = pages["api.html"].decode()
    assert html_text.startswith("<!DOCTYPE html>\n")
    assert f"<!-- {GENERATED_NOTE} -->" in html_text.splitlines()[1]


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_set_renders_every_method_and_request(name):
    dset = load_set(name)
    text = markdown.render(dset)
    assert text.startswith(dset.intro.rstrip("\n")) and "\n## Detail\n" in text
    for route in dset.routes:
        assert f"\n### {route.entity}\n" in text
        for method in route.methods or ():
            assert f"| {method.method} | `{filters.prettygorilla(route.path)}` | {route.entity} |" in text
            assert f"\n#### {method.method} {route.entity}\n" in text
            for request in method.requests or ():
                if request.name:
                    assert f"\n##### {request.name}\n" in text
    responses = sum(len(q.successes or ()) + len(q.failures or ())
                    for r in dset.routes for m in r.methods or () for q in m.requests or ())
    assert text.count("\n###### On Success: ") + text.count("\n###### On Failure: ") == responses
