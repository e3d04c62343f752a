import pytest

from specgen.descriptors import load_set
from specgen.paths import PathTemplateError, compile_path


def test_registry_forms():
    dset = load_set("registry_v2")
    forms = {r.name: compile_path(r.path) for r in dset.routes}
    assert forms["blob"].doc_form == "/v2/<name>/blobs/<digest>"
    assert forms["blob"].openapi_template == "/v2/{name}/blobs/{digest}"
    assert forms["blob-upload"].doc_form == "/v2/<name>/blobs/uploads/"
    assert forms["manifest"].variables == ("name", "reference")
    assert forms["base"].variables == () and forms["base"].openapi_template == "/v2/"
    m = forms["manifest"].regex.match("/v2/a/b/manifests/sha256:abc")
    assert m.groupdict() == {"name": "a/b", "reference": "sha256:abc"}
    # the alternation of the reference pattern stays inside its group
    assert forms["manifest"].regex.match("/v2/a/manifests/") is None
    assert forms["manifest"].regex.match("/v2/a/manifests/t\n") is None  # Go's $ is end of text


def test_default_pattern_and_nested_braces():
    p = compile_path("/x/{a}/{b:[0-9]{2,3}}")
    assert p.variables == ("a", "b") and p.patterns == ("[^/]+", "[0-9]{2,3}")
    assert p.regex.match("/x/q/12").groupdict() == {"a": "q", "b": "12"}
    assert p.regex.match("/x/q/r/12") is None and p.regex.match("/x/q/1234") is None
    assert p.doc_form == "/x/<a>/<b>" and p.openapi_template == "/x/{a}/{b}"


def test_strict_slash_regex():
    p = compile_path("/v2/", strict_slash=True)
    assert p.regex.match("/v2") and p.regex.match("/v2/") and not p.regex.match("/v2//")
    q = compile_path("/v2/_catalog", strict_slash=True)
    assert q.regex.match("/v2/_catalog/") and q.expand({}) == "/v2/_catalog"
    assert p.expand({}) == "/v2/"


def test_expand_checks_values_like_gorilla():
    p = compile_path("/api/{shelf:[a-z]+(?:/[a-z]+)*}/widgets/{id:[0-9]+}")
    assert p.expand({"shelf": "a/b", "id": "7"}) == "/api/a/b/widgets/7"
    with pytest.raises(ValueError, match=r'^mux: missing route variable "id"$'):
        p.expand({"shelf": "a"})
    with pytest.raises(ValueError) as err:
        p.expand({"shelf": "a", "id": "x"})
    assert str(err.value) == 'mux: variable "x" doesn\'t match, expected "^[0-9]+$"'


@pytest.mark.parametrize("template, message", [
    ("/a/{b", 'mux: unbalanced braces in "/a/{b"'),
    ("/a/b}", 'mux: unbalanced braces in "/a/b}"'),
    ("/a/{:x}", 'mux: missing name or pattern in "{:x}"'),
    ("/a/{b:}", 'mux: missing name or pattern in "{b:}"'),
    ("a/{b}", 'mux: path must start with a slash, got "a/{b}"'),
])
def test_gorilla_template_errors(template, message):
    with pytest.raises(PathTemplateError) as err:
        compile_path(template)
    assert str(err.value) == message


def test_capture_groups_are_refused():
    with pytest.raises(PathTemplateError, match="capture groups"):
        compile_path("/a/{b:(x|y)}")


def test_synthetic_multi_segment(synthetic_set):
    widget = compile_path(synthetic_set.route("widget").path)
    assert widget.doc_form == "/api/<shelf>/widgets/<id>"
    assert widget.openapi_template == "/api/{shelf}/widgets/{id}"
    assert widget.regex.match("/api/top/middle/widgets/42").groupdict() == {"shelf": "top/middle", "id": "42"}


def test_examples():
    import doctest
    import importlib

    for name in ['specgen.paths']:
        result = doctest.testmod(importlib.import_module(name))
        assert result.failed == 0 and result.attempted > 0
