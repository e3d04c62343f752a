"""Manifests pushed by sha512 digest with ``?tag=`` (OCI main, end-7b), through a live
``specgen serve``: the project's client pushes by sha512 and gets sha512 back, and clients no one
here wrote (skopeo, oras-py) pull by that sha512 digest and by the tags the push created, byte for
byte."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import httpx
import pytest
from peers import tool_path

from specgen.client.registry import RegistryClient

pytestmark = [pytest.mark.interop, pytest.mark.slow]

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


@pytest.fixture(scope="module")
def pushed(specgen_server_shared):
    """(url, repo, manifest bytes, its sha512 digest) of an image pushed by sha512 with tags."""
    url = specgen_server_shared()
    repo = "interop/sha512"
    with RegistryClient(url) as client:
        cfg = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
        layer = b"sha512 layer bytes" * 100
        doc = {
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": client.push_blob(repo, cfg), "size": len(cfg)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                        "digest": client.push_blob(repo, layer), "size": len(layer)}],
        }
        body = json.dumps(doc, indent=2).encode()
        d512 = "sha512:" + hashlib.sha512(body).hexdigest()
        assert client.push_manifest(repo, d512, body) == d512  # our client: pushed and answered in sha512
        assert client.get_manifest(repo, d512).content == body  # verified against the sha512 reference
    r = httpx.put(f"{url}/v2/{repo}/manifests/{d512}?tag=v1&tag=stable", content=body,
                  headers={"Content-Type": OCI_MANIFEST})
    assert r.status_code == 201 and r.headers["Docker-Content-Digest"] == d512
    assert r.headers["OCI-Tag"] == "v1, stable"
    return url, repo, body, d512


def test_head_by_each_tag_answers_sha512(pushed):
    url, repo, body, d512 = pushed
    for ref in ("v1", "stable", d512):
        r = httpx.head(f"{url}/v2/{repo}/manifests/{ref}", headers={"Accept": OCI_MANIFEST})
        assert r.status_code == 200 and r.headers["Docker-Content-Digest"] == d512
        assert int(r.headers["Content-Length"]) == len(body)


@pytest.mark.skipif(tool_path("skopeo") is None, reason="skopeo (Debian package) is the client under test")
def test_skopeo_pulls_by_sha512_digest_and_by_tag(pushed, tmp_path: Path):
    url, repo, body, d512 = pushed
    host = url.split("://", 1)[1]
    raw = subprocess.run(["skopeo", "inspect", "--raw", "--tls-verify=false", f"docker://{host}/{repo}@{d512}"],
                         capture_output=True, timeout=60)
    assert raw.returncode == 0, raw.stderr.decode()
    assert raw.stdout == body
    copied = subprocess.run(["skopeo", "copy", "--preserve-digests", "--src-tls-verify=false", f"docker://{host}/{repo}:stable",
                             f"oci:{tmp_path / 'layout'}:stable"], capture_output=True, timeout=60)
    assert copied.returncode == 0, copied.stderr.decode()
    index = json.loads((tmp_path / "layout" / "index.json").read_text())
    [entry] = index["manifests"]
    algorithm, _, encoded = entry["digest"].partition(":")
    assert (tmp_path / "layout" / "blobs" / algorithm / encoded).read_bytes() == body


def test_oras_pulls_by_sha512_digest(pushed):
    oras_client = pytest.importorskip("oras.client", reason="python 'oras' (the test extra) is the client under test")
    url, repo, body, d512 = pushed
    host = url.split("://", 1)[1]
    client = oras_client.OrasClient(hostname=host, insecure=True)
    got = client.get_manifest(f"{host}/{repo}@{d512}")
    assert got == json.loads(body)
    by_tag = client.get_manifest(f"{host}/{repo}:v1")
    assert by_tag == json.loads(body)
