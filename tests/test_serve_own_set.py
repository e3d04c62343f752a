"""``specgen serve`` of a set with no hand-written backend: its stub is generated on the fly and every
declared request answers 501 ``UNSUPPORTED``; the registry backend is chosen by the routes a set
declares, with 501 for what it does not implement."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import httpx
import peers
import pytest

from specgen.descriptors import load_set
from specgen.model import MethodDescriptor, RequestDescriptor, ResponseDescriptor, RouteDescriptor
from specgen.server import serving
from specgen.server.unsupported import Unsupported

TESTS = Path(__file__).resolve().parent
ENVELOPE_KEYS = {"code", "message", "detail"}

HEALTH = RouteDescriptor(
    name="health", path="/v2/_health", entity="Health", description="Health of the registry.",
    methods=(MethodDescriptor(method="GET", description="Report health.", requests=(
        RequestDescriptor(name="Get Health",
                          successes=(ResponseDescriptor(description="Healthy.", status_code=200),)),)),),
)


def write_set_file(folder: Path, attr: str = "SYNTHETIC_SET") -> Path:
    """A set file of a user's own: the synthetic widgets set."""
    path = folder / "widgets_set.py"
    path.write_text(f"import sys\nsys.path.insert(0, {str(TESTS)!r})\n"
                    f"from synthetic import {attr} as DESCRIPTOR_SET\n")
    return path


def call(app, method: str, url: str, **kw) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            return await c.request(method, url, **kw)

    return asyncio.run(go())


def assert_unsupported(response: httpx.Response, set_name: str, handler: str) -> None:
    assert response.status_code == 501, response.text
    assert response.headers["content-type"].startswith("application/json")
    (entry,) = response.json()["errors"]
    assert set(entry) == ENVELOPE_KEYS
    assert entry["code"] == "UNSUPPORTED"
    assert entry["detail"]["set"] == set_name and entry["detail"]["handler"] == handler


@pytest.fixture
def widgets_app(synthetic_set, tmp_path):
    server = serving.import_stub(serving.write_stub(synthetic_set, tmp_path))
    return serving.create_app(synthetic_set, server, None)


def test_backend_is_chosen_by_the_routes_a_set_declares(synthetic_set):
    assert serving.is_registry(load_set("registry_v2")) and serving.is_registry(load_set("oci_v1_1"))
    assert not serving.is_registry(synthetic_set)
    # a name proves nothing: the widgets routes under a registry set's name are still no registry
    assert not serving.is_registry(replace(synthetic_set, name="oci_v1_1"))
    oci = load_set("oci_v1_1")
    assert serving.is_registry(replace(oci, name="mine", routes=(*oci.routes, HEALTH)))
    assert not serving.is_registry(replace(oci, routes=tuple(r for r in oci.routes if r.name != "blob")))


def test_only_a_bundled_set_by_name_uses_the_committed_stub(synthetic_set):
    assert serving.is_bundled("oci_v1_1", load_set("oci_v1_1"))
    assert not serving.is_bundled("./oci_v1_1.py", load_set("oci_v1_1"))
    assert not serving.is_bundled("oci_v1_1", replace(synthetic_set, name="oci_v1_1"))
    assert serving.committed_stub("oci_v1_1").SET_NAME == "oci_v1_1"


def test_every_declared_request_answers_501_unsupported(widgets_app, synthetic_set):
    requests = [("GET", "/api/a/b/widgets?limit=2", "list_widgets"),
                ("PUT", "/api/a/widgets/7", "put_widget"),
                ("DELETE", "/api/a/widgets/7", "delete_widget")]
    for method, url, handler in requests:
        response = call(widgets_app, method, url, content=b"x" * 10 if method == "PUT" else None)
        assert_unsupported(response, "widgets", handler)
        assert response.json()["errors"][0]["detail"]["method"] == method
    head = call(widgets_app, "HEAD", "/api/a/widgets")  # HEAD served by the declared GET
    assert head.status_code == 501 and head.content == b""


def test_runtime_still_answers_404_and_405(widgets_app):
    assert call(widgets_app, "GET", "/v2/").status_code == 404
    assert call(widgets_app, "GET", "/api/a/widgets/7").status_code == 405  # declared: PUT, DELETE
    assert call(widgets_app, "GET", "/api/a/widgets/7").headers["allow"] == "PUT, DELETE"


def test_parameter_checks_come_before_the_501(widgets_app):
    # a path the route does not match is a 404, a declared request with a bad parameter its code
    assert call(widgets_app, "GET", "/api/A/widgets").status_code == 404


def test_registry_extension_gets_the_registry_backend_and_501_for_its_own_routes(tmp_path):
    oci = load_set("oci_v1_1")
    mine = replace(oci, name="mine", routes=(*oci.routes, HEALTH))
    server = serving.import_stub(serving.write_stub(mine, tmp_path / "stub"))
    app = serving.create_app(mine, server, str(tmp_path / "root"))
    base = call(app, "GET", "/v2/")
    assert base.status_code == 200 and base.headers["docker-distribution-api-version"] == "registry/2.0"
    assert_unsupported(call(app, "GET", "/v2/_health"), "mine", "get_health")
    pushed = call(app, "POST", "/v2/demo/blobs/uploads/?digest=sha256:"
                  "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", content=b"hello")
    assert pushed.status_code == 201, pushed.text
    assert call(app, "GET", pushed.headers["location"]).content == b"hello"


def test_unsupported_hands_on_what_the_backend_implements():
    class Half:
        started = False

        async def get_base(self, request):
            return "base"

        def startup(self):
            self.started = True

    backend = Half()
    handlers = Unsupported("s", ["get_base", "put_widget"], implemented=backend)
    assert handlers.unsupported == ("put_widget",)
    assert handlers.get_base == backend.get_base
    handlers.startup()
    assert backend.started
    with pytest.raises(AttributeError):
        handlers.no_such_thing  # noqa: B018


def test_stub_module_names_differ_per_set(synthetic_set, tmp_path):
    one = serving.write_stub(synthetic_set, tmp_path)
    other = serving.write_stub(replace(synthetic_set, name="gadgets", title="Gadgets"), tmp_path)
    assert one.name != other.name
    assert serving.import_stub(other).SET_NAME == "gadgets"


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.slow  # a server process (two, with --workers 2)
@pytest.mark.parametrize("workers", [1, 2])
def test_serve_an_own_set_file_without_building(tmp_path, workers):
    """The command end to end: no `specgen build`, no ./specgen-registry left behind, worker
    processes import the same generated stub."""
    set_file = write_set_file(tmp_path)
    workdir = tmp_path / "run"
    peer = peers.start_specgen(workdir, set=str(set_file), workers=workers,
                               ready_path="/api/a/widgets", ready=lambda status: status == 501)
    try:
        for _ in range(4 * workers):
            status, body = _get(peer.url + "/api/a/b/widgets")
            assert status == 501 and json.loads(body)["errors"][0]["code"] == "UNSUPPORTED"
        assert _get(peer.url + "/v2/")[0] == 404
    finally:
        peer.stop()
    assert not (workdir / "specgen-registry").exists()
    assert "no backend" in peer.log.read_text()


def test_serve_refuses_a_set_that_is_not_one(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("X = 1\n")
    out = subprocess.run([sys.executable, "-m", "specgen", "serve", "--set", str(bad), "--port", "0"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert out.returncode == 2 and "does not provide a DescriptorSet" in out.stderr
    assert "Traceback" not in out.stderr
