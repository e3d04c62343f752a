"""The registry's modes: read-only answers every write 405 UNSUPPORTED (distribution's read-only
maintenance mode) and keeps serving reads; deletes off answers deletes 405 UNSUPPORTED
(distribution with ``delete.enabled: false``) and keeps accepting pushes."""

from __future__ import annotations

import json

import pytest
from registry_harness import CheckedClient, digest

from specgen.config import defaults
from specgen.descriptors import load_set
from specgen.registry.modes import DELETES, WRITES
from specgen.server import serving

SETS = ("registry_v2", "oci_v1_1")


def client(set_name: str, root, **modes) -> CheckedClient:
    dset = load_set(set_name)
    settings = {**defaults(), **{f"registry.{k}": v for k, v in modes.items()}}
    app = serving.create_app(dset, serving.committed_stub(set_name), str(root), settings=settings)
    return CheckedClient(app, dset)


def image(reg: CheckedClient, repo: str) -> tuple[str, bytes]:
    cfg, layer = b'{"os":"linux"}', b"layer of " + repo.encode()
    doc = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": reg.push_blob(repo, cfg),
                      "size": len(cfg)},
           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": reg.push_blob(repo, layer),
                       "size": len(layer)}]}
    body = json.dumps(doc).encode()
    r = reg.put(f"/v2/{repo}/manifests/v1", content=body,
                headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    assert r.status_code == 201, r.text
    return r.headers["Docker-Content-Digest"], layer


def unsupported(r) -> None:
    assert r.status_code == 405, (r.status_code, r.text)
    assert r.json()["errors"][0]["code"] == "UNSUPPORTED"
    assert "Allow" in r.headers


@pytest.mark.parametrize("set_name", SETS)
def test_read_only_refuses_every_write_and_serves_reads(tmp_path, set_name):
    writable = client(set_name, tmp_path)
    manifest, layer = image(writable, "lib/app")
    writable.close()
    reg = client(set_name, tmp_path, read_only=True)
    try:
        d = digest(layer)
        assert reg.get(f"/v2/lib/app/blobs/{d}").content == layer
        assert reg.get("/v2/lib/app/manifests/v1").headers["Docker-Content-Digest"] == manifest
        assert reg.get("/v2/lib/app/tags/list").json()["tags"] == ["v1"]
        new = b"new bytes"
        for method, url, kw in [
            ("POST", f"/v2/lib/app/blobs/uploads/?digest={digest(new)}", {"content": new}),
            ("POST", "/v2/lib/app/blobs/uploads/", {}),
            ("POST", f"/v2/other/blobs/uploads/?mount={d}&from=lib/app", {}),
            ("PUT", "/v2/lib/app/manifests/v2", {"content": b"{}",
                                                 "headers": {"Content-Type": "application/vnd.oci.image.manifest.v1+json"}}),
            ("DELETE", f"/v2/lib/app/manifests/{manifest}", {}),
            ("DELETE", f"/v2/lib/app/blobs/{d}", {}),
            ("PATCH", "/v2/lib/app/blobs/uploads/some-id", {"content": b"x"}),
            ("PUT", f"/v2/lib/app/blobs/uploads/some-id?digest={d}", {}),
            ("DELETE", "/v2/lib/app/blobs/uploads/some-id", {}),
        ]:
            r = reg.request(method, url, declared=False, **kw)
            unsupported(r)
        r = reg.request("DELETE", f"/v2/lib/app/manifests/{manifest}", declared=False)
        assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD"}
        # nothing changed
        assert reg.get(f"/v2/lib/app/manifests/{manifest}").status_code == 200
        assert reg.get(f"/v2/lib/app/blobs/{d}").status_code == 200
    finally:
        reg.close()


@pytest.mark.parametrize("set_name", SETS)
def test_deletes_off_refuses_deletes_and_accepts_pushes(tmp_path, set_name):
    reg = client(set_name, tmp_path, delete_enabled=False)
    try:
        manifest, layer = image(reg, "lib/app")  # pushes work
        d = digest(layer)
        for url in (f"/v2/lib/app/manifests/{manifest}", f"/v2/lib/app/blobs/{d}"):
            r = reg.delete(url)  # declared: the set lists UNSUPPORTED for deletes
            unsupported(r)
        assert reg.get(f"/v2/lib/app/manifests/{manifest}").status_code == 200
        assert reg.get(f"/v2/lib/app/blobs/{d}").status_code == 200
        # cancelling one's own upload is not a delete of stored content
        loc = reg.post("/v2/lib/app/blobs/uploads/").headers["Location"]
        assert reg.delete(loc).status_code == 204
    finally:
        reg.close()


def test_modes_name_only_handler_methods_of_the_registry(tmp_path):
    reg = client("oci_v1_1", tmp_path)
    try:
        from specgen.registry.handlers import Registry

        backend = Registry.__init__.__code__  # the names below are assigned in Registry.__init__
        for name in WRITES:
            assert name in backend.co_names, name
        assert set(DELETES) <= set(WRITES)
    finally:
        reg.close()
