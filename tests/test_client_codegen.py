"""The generated client, compiled from the synthetic set (nothing registry-specific) and exercised
against an in-process ``httpx.MockTransport``: names, signatures, URL building, typed results, errors,
retries."""

from __future__ import annotations

import importlib
import inspect
import sys

import httpx
import pytest

from specgen.client.errors import APIError, UnexpectedResponse
from specgen.client.runtime import Transport, TransportError
from specgen.compilers.client.codegen import argument, error_class_name, generate, name_of
from specgen.model import ErrorDescriptor


@pytest.fixture
def widgets(synthetic_set, tmp_path, monkeypatch):
    """The synthetic set's generated client, importable as ``widgets_gen.client``."""
    pkg = tmp_path / "widgets_gen" / "client"
    pkg.mkdir(parents=True)
    (tmp_path / "widgets_gen" / "__init__.py").write_text("")
    for name, source in generate(synthetic_set):
        (pkg / name).write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    for mod in [m for m in sys.modules if m.startswith("widgets_gen")]:
        del sys.modules[mod]
    return importlib.import_module("widgets_gen.client")


def mock_client(module, handler, **options):
    http = httpx.Client(transport=httpx.MockTransport(handler))
    sleeps: list[float] = []
    transport = Transport("http://registry.test", http=http, sleep=sleeps.append, **options)
    client = module.Client(transport=transport)
    client.sleeps = sleeps
    return client


def test_generation_is_deterministic(synthetic_set):
    assert list(generate(synthetic_set)) == list(generate(synthetic_set))


def test_one_method_per_request_with_typed_parameters(widgets):
    api = widgets.Client
    assert set(widgets.OPERATIONS) == {"list_widgets", "put_widget", "delete_widget"}
    sig = inspect.signature(api.list_widgets)
    params = sig.parameters
    assert params["shelf"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert params["limit"].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["limit"].annotation == "int | None"
    assert params["x_trace"].annotation == "str | None"
    assert "body" not in params
    put = inspect.signature(api.put_widget).parameters
    assert list(put)[1:3] == ["shelf", "id_"] and put["id_"].annotation == "int"
    assert put["content_type"].default == "application/octet-stream"
    assert "All widgets, at most `limit`." in api.list_widgets.__doc__
    assert "ShelfInvalid" in api.list_widgets.__doc__


def test_url_building_results_and_headers(widgets):
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"widgets": ["1", "2"]},
                              headers={"Content-Type": "application/json"})

    client = mock_client(widgets, handler)
    res = client.list_widgets("top/left", limit=5, x_trace="t1")
    assert isinstance(res, widgets.ListWidgetsResult)
    assert res.status == 200 and res.body == {"widgets": ["1", "2"]}
    assert res.content_type == "application/json"
    req = seen[0]
    assert req.url.path == "/api/top/left/widgets"
    assert req.url.params["limit"] == "5" and req.headers["X-Trace"] == "t1"
    with pytest.raises(ValueError, match="do not fit the route path"):
        client.list_widgets("Top/../x")


def test_error_bodies_raise_the_class_of_their_code(widgets):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"errors": [
            {"code": "WIDGET_UNKNOWN", "message": "widget unknown", "detail": {"id": 7}}]})

    client = mock_client(widgets, handler)
    with pytest.raises(widgets.WidgetUnknown) as info:
        client.delete_widget("a", 7)
    err = info.value
    assert (err.code, err.message, err.detail, err.status) == ("WIDGET_UNKNOWN", "widget unknown",
                                                               {"id": 7}, 404)
    assert err.response.status_code == 404 and isinstance(err, APIError)
    import specgen.client.errors as shared
    assert isinstance(err, shared.code_base("WIDGET_UNKNOWN", "WidgetUnknown"))
    assert set(widgets.ERRORS) == {"SHELF_INVALID", "WIDGET_UNKNOWN", "BUSY"}


def test_a_status_without_an_error_body_raises_unexpected_response(widgets):
    client = mock_client(widgets, lambda r: httpx.Response(418, text="teapot"))
    with pytest.raises(UnexpectedResponse) as info:
        client.delete_widget("a", 1)
    assert info.value.status == 418 and info.value.code is None


def test_503_is_retried_with_backoff_then_raised(widgets):
    calls = []

    def handler(request):
        calls.append(request.method)
        return httpx.Response(503, json={"errors": [{"code": "BUSY", "message": "try later"}]})

    client = mock_client(widgets, handler, retries=2, backoff=0.5)
    with pytest.raises(widgets.Busy):
        client.put_widget("a", 1, body=b"x")
    assert calls == ["PUT"] * 3 and client.sleeps == [0.5, 1.0]


def test_retry_after_is_honoured_on_429(widgets):
    answers = [httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(202)]
    client = mock_client(widgets, lambda r: answers.pop(0))
    assert client.delete_widget("a", 1).status == 202
    assert client.sleeps == [3.0]


def test_read_errors_retry_idempotent_requests_only():
    calls = []

    def handler(request):
        calls.append(request.method)
        if len(calls) == 1 or request.method == "POST":
            raise httpx.ReadError("connection reset", request=request)
        return httpx.Response(202)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    t = Transport("http://registry.test", http=http, sleep=lambda s: None)
    assert t.send("DELETE", "/x").status_code == 202
    assert calls == ["DELETE", "DELETE"]
    calls.clear()
    with pytest.raises(TransportError) as info:
        t.send("POST", "/x", body=b"data")
    assert calls == ["POST"] and info.value.sent


def test_connect_errors_are_retried_even_for_post():
    calls = []

    def handler(request):
        calls.append(request.method)
        if len(calls) < 3:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(202)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    t = Transport("http://registry.test", http=http, sleep=lambda s: None)
    assert t.send("POST", "/x", body=b"data").status_code == 202 and len(calls) == 3


def test_a_one_shot_body_is_never_sent_twice():
    calls = []

    def handler(request):
        calls.append(request.read())
        raise httpx.ConnectError("refused", request=request)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    t = Transport("http://registry.test", http=http, sleep=lambda s: None)
    with pytest.raises(TransportError):
        t.send("PUT", "/x", body=iter([b"a", b"b"]))
    assert calls == [b"ab"]


@pytest.mark.parametrize("text, expected", [
    ("Initiate Monolithic Blob Upload", "initiate_monolithic_blob_upload"),
    ("GET blob-upload-chunk", "get_blob_upload_chunk"),
    ("Docker-Content-Digest", "docker_content_digest"),
    ("artifactType", "artifact_type"),
    ("class", "class"),
])
def test_method_and_attribute_names(text, expected):
    assert name_of(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("from", "from_"), ("Range", "range_"), ("body", "body_"), ("artifactType", "artifact_type"),
    ("n", "n"),
])
def test_argument_names(text, expected):
    assert argument(text) == expected


def test_error_class_names():
    assert error_class_name(ErrorDescriptor(value="BLOB_UNKNOWN", message="blob unknown")) == "BlobUnknown"
    assert error_class_name(ErrorDescriptor(value="TOOMANYREQUESTS",
                                            message="too many requests")) == "TooManyRequests"
    assert error_class_name(ErrorDescriptor(value="DENIED", message="access denied")) == "Denied"


def test_a_stalled_server_times_out():
    import socket
    import time

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)                     # accepts connections, never answers
        url = f"http://127.0.0.1:{server.getsockname()[1]}"
        t = Transport(url, timeout=0.3, retries=1, backoff=0.01)
        start = time.monotonic()
        with pytest.raises(TransportError, match="connection failed"):
            t.send("GET", "/v2/")
        assert time.monotonic() - start < 5
        t.close()
