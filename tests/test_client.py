"""RegistryClient round trips against both real servers: Debian's docker-registry and
``specgen serve``. An image (config, layers, manifest) goes up and comes back verified; tags are
listed across pages; things are deleted; errors arrive as the classes of their codes; a chunked
upload survives dropped connections."""

from __future__ import annotations

import hashlib
import io
import json
import os

import httpx
import pytest

import specgen.client.errors as errors
from specgen.client import ClientError, DigestMismatch, RegistryClient

pytestmark = pytest.mark.interop

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


@pytest.fixture(params=["docker-registry", "specgen-serve"])
def registry(request) -> str:
    """Base URL of a fresh-enough registry of each kind."""
    if request.param == "docker-registry":
        return request.getfixturevalue("docker_registry")
    return request.getfixturevalue("specgen_server_shared")()


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def push_image(reg: RegistryClient, repo: str, tag: str, layers: list[bytes]) -> tuple[str, dict]:
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    config_digest = reg.push_blob(repo, config)
    descriptors = []
    for layer in layers:
        digest = reg.push_blob(repo, io.BytesIO(layer))
        descriptors.append({"mediaType": "application/vnd.oci.image.layer.v1.tar",
                            "digest": digest, "size": len(layer)})
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                           "digest": config_digest, "size": len(config)},
                "layers": descriptors}
    return reg.push_manifest(repo, tag, manifest), manifest


def test_image_round_trip_tags_and_delete(registry):
    layers = [os.urandom(3000), b"small layer", os.urandom(10_000)]
    progress: list[tuple[int, int | None]] = []
    with RegistryClient(registry, chunk_size=4096, monolithic_threshold=2048) as reg:
        digest, manifest = push_image(reg, "round/trip", "v1", layers)
        for i in range(2, 8):
            assert reg.push_manifest("round/trip", f"v{i}", manifest) == digest

        got = reg.get_manifest("round/trip", "v1")
        assert (got.digest, got.media_type) == (digest, OCI_MANIFEST)
        assert reg.get_manifest("round/trip", digest).json() == manifest
        for desc, layer in zip(got.json()["layers"], layers):
            assert desc["digest"] == sha256(layer)
            assert reg.pull_blob("round/trip", desc["digest"],
                                 progress=lambda n, t: progress.append((n, t))) == layer
        assert progress[-1] == (len(layers[-1]), len(layers[-1]))
        sink = io.BytesIO()
        assert reg.pull_blob("round/trip", sha256(layers[2]), sink) == len(layers[2])
        assert sink.getvalue() == layers[2]
        assert reg.pull_blob("round/trip", sha256(layers[0]), range=(100, 199)) == layers[0][100:200]

        tags = list(reg.tags("round/trip", page_size=3))
        assert sorted(tags) == sorted(f"v{i}" for i in range(1, 8)) and len(tags) == 7
        assert "round/trip" in list(reg.catalog(page_size=1))

        reg.delete_manifest("round/trip", digest)
        with pytest.raises(errors.ManifestUnknown):
            reg.get_manifest("round/trip", digest)
        reg.delete_blob("round/trip", sha256(layers[1]))
        assert reg.blob_exists("round/trip", sha256(layers[1])) is None
        with pytest.raises(errors.BlobUnknown):
            reg.pull_blob("round/trip", sha256(layers[1]))


def test_wrong_digest_raises_digest_invalid(registry):
    with RegistryClient(registry) as reg:
        wrong = sha256(b"something else")
        with pytest.raises(errors.DigestInvalid) as info:
            reg.push_blob("errs/repo", b"the content", digest=wrong)
        err = info.value
        assert err.code == "DIGEST_INVALID" and err.status == 400 and err.message
        assert isinstance(err, reg.module.DigestInvalid)
        assert err.response.request.method == "PUT"


def test_unknown_blob_raises_blob_unknown(registry):
    with RegistryClient(registry) as reg:
        reg.push_blob("errs/repo", b"make the repository exist")
        missing = sha256(b"never pushed")
        with pytest.raises(errors.BlobUnknown) as info:
            reg.pull_blob("errs/repo", missing)
        assert info.value.code == "BLOB_UNKNOWN" and info.value.status == 404
        with pytest.raises(reg.module.BlobUnknown):
            reg.api.fetch_blob("errs/repo", missing)


@pytest.mark.parametrize("algorithm", ["sha256", "sha512"])
def test_streaming_push_from_an_iterator_hashes_on_the_way(registry, algorithm):
    data = os.urandom(20_000)
    pieces = (data[i:i + 777] for i in range(0, len(data), 777))
    seen: list[int] = []
    with RegistryClient(registry, chunk_size=5000, monolithic_threshold=1000) as reg:
        digest = reg.push_blob("stream/repo", pieces, algorithm=algorithm,
                               progress=lambda n, t: seen.append(n))
        expected = f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"
        assert digest == expected
        assert seen == [5000, 10_000, 15_000, 20_000]
        assert reg.pull_blob("stream/repo", digest) == data


def test_push_from_a_file_path_and_skip_when_present(registry, tmp_path):
    path = tmp_path / "layer.bin"
    path.write_bytes(os.urandom(4000))
    with RegistryClient(registry, chunk_size=1500, monolithic_threshold=1000) as reg:
        digest = reg.push_blob("file/repo", path)
        assert digest == sha256(path.read_bytes())
        assert reg.blob_exists("file/repo", digest) == 4000
        assert reg.push_blob("file/repo", iter([b"not read"]), digest=digest) == digest


def test_mount_blob(registry):
    with RegistryClient(registry) as reg:
        digest = reg.push_blob("mount/src", b"shared layer")
        assert reg.mount_blob("mount/dst", digest, "mount/src") is True
        assert reg.pull_blob("mount/dst", digest) == b"shared layer"


class DropOnce(httpx.BaseTransport):
    """Breaks the connection of the n-th PATCH: after the registry took all of it (the answer is
    lost), or after it took only the first half (the rest never arrived)."""

    def __init__(self, mode: str, nth: int = 2) -> None:
        self.inner = httpx.HTTPTransport()
        self.mode, self.nth, self.patches = mode, nth, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH":
            self.patches += 1
            if self.patches == self.nth:
                body = request.read()
                if self.mode == "partial":
                    start = int(request.headers["Content-Range"].split("-")[0])
                    half = body[: len(body) // 2]
                    headers = dict(request.headers)
                    headers.update({"Content-Length": str(len(half)),
                                    "Content-Range": f"{start}-{start + len(half) - 1}"})
                    request = httpx.Request("PATCH", request.url, headers=headers, content=half)
                resp = self.inner.handle_request(request)
                resp.read()
                resp.close()
                raise httpx.ReadError("connection dropped (test)", request=request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@pytest.mark.parametrize("mode", ["answer-lost", "partial"])
def test_chunked_upload_from_a_file_survives_a_dropped_connection(registry, mode, tmp_path):
    """Resumed from the upload status where the registry allows it; else started over."""
    data = os.urandom(12_000)
    path = tmp_path / "blob"
    path.write_bytes(data)
    drop = DropOnce(mode)
    with RegistryClient(registry, chunk_size=4000, monolithic_threshold=1000,
                        http=httpx.Client(transport=drop)) as reg:
        with open(path, "rb") as f:
            digest = reg.push_blob("resume/repo", f)
        assert digest == sha256(data)
        assert drop.patches >= 3
    with RegistryClient(registry) as reg:
        assert reg.pull_blob("resume/repo", digest) == data


@pytest.mark.parametrize("mode", ["answer-lost", "partial"])
def test_chunked_upload_from_an_iterator_resumes_from_the_upload_status(request, mode):
    """``specgen serve`` reports the bytes it holds (GET on the upload URL), so a one-shot source
    resumes in place: only the missing tail of the broken chunk is sent again."""
    url = request.getfixturevalue("specgen_server_shared")()
    data = os.urandom(12_000)
    drop = DropOnce(mode)
    with RegistryClient(url, chunk_size=4000, monolithic_threshold=1000,
                        http=httpx.Client(transport=drop)) as reg:
        digest = reg.push_blob("resume/repo", iter([data]))
        assert digest == sha256(data) and reg.pull_blob("resume/repo", digest) == data
        assert drop.patches == (4 if mode == "partial" else 3)


def test_docker_registry_cannot_resume_a_one_shot_source(docker_registry):
    """distribution's upload URL carries a state token that goes stale once a chunk is applied,
    so a broken upload there cannot resume; with a source that cannot be re-read it is an error."""
    drop = DropOnce("answer-lost")
    with RegistryClient(docker_registry, chunk_size=4000, monolithic_threshold=1000,
                        http=httpx.Client(transport=drop)) as reg:
        with pytest.raises(ClientError, match="cannot resume"):
            reg.push_blob("resume/repo", iter([os.urandom(12_000)]))


def test_a_registry_sending_other_bytes_is_caught(registry):
    with RegistryClient(registry) as reg:
        digest = reg.push_blob("verify/repo", b"genuine")
        other = reg.push_blob("verify/repo", b"impostor")

        def swap(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, content=b"impostor")

        reg.transport.http = httpx.Client(transport=httpx.MockTransport(swap))
        with pytest.raises(DigestMismatch):
            reg.pull_blob("verify/repo", digest)
        assert other != digest


def test_referrers_on_specgen_serve(specgen_server_shared):
    """The referrers API of the extension set (docker-registry 2.8 predates it)."""
    with RegistryClient(specgen_server_shared(set="oci_v1_1")) as reg:
        subject_digest, _ = push_image(reg, "refs/app", "v1", [b"layer"])
        subject_size = len(reg.get_manifest("refs/app", subject_digest).content)
        empty = reg.push_blob("refs/app", b"{}")
        sbom = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "artifactType": "application/vnd.example.sbom",
                "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty,
                           "size": 2},
                "layers": [{"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty,
                            "size": 2}],
                "subject": {"mediaType": OCI_MANIFEST, "digest": subject_digest,
                            "size": subject_size}}
        sbom_digest = reg.push_manifest("refs/app", "sbom", sbom)
        found = reg.referrers("refs/app", subject_digest)
        assert [d["digest"] for d in found] == [sbom_digest]
        assert found[0]["artifactType"] == "application/vnd.example.sbom"
        assert reg.referrers("refs/app", subject_digest, artifact_type="other/type") == []


def test_anonymous_mount_on_specgen_serve(specgen_server_shared):
    with RegistryClient(specgen_server_shared(set="oci_v1_1")) as reg:
        digest = reg.push_blob("anon/src", b"anonymous mount")
        mounted = reg.mount_blob("anon/dst", digest)
        assert mounted is True and reg.pull_blob("anon/dst", digest) == b"anonymous mount"
