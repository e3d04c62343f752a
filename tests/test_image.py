"""Image-level operations against ``specgen serve``: an OCI layout pushed and pulled back byte for
byte, present blobs skipped, blobs in flight bounded, mounts inside one registry, relays between
two, referrers carried along, progress events, and the ``specgen image`` command."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import ocilayout
import pytest

from specgen.cli import main
from specgen.client import RegistryClient
from specgen.commands.image import parse_location
from specgen.errors import UserError
from specgen.image import ImageProgress, LayoutError, LayoutStore, OCILayout, RegistryStore, copy_image


class Recorder(ImageProgress):
    """Records every event and the most blobs ever in flight at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: list[tuple[str, str]] = []
        self.bytes: dict[str, int] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self.planned_blobs = -1

    def planned(self, blobs, manifests) -> None:
        self.planned_blobs = len(blobs)

    def blob_started(self, blob) -> None:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def blob_bytes(self, blob, done, total) -> None:
        with self.lock:
            self.bytes[blob.digest] = done

    def blob_done(self, blob, how) -> None:
        with self.lock:
            self.in_flight -= 1
            self.events.append((how, blob.digest))

    def manifest_done(self, manifest, reference) -> None:
        self.events.append(("manifest", reference))


@pytest.fixture(scope="module")
def registry(specgen_server_shared) -> str:
    return specgen_server_shared()


@pytest.fixture(scope="module")
def second_registry(specgen_server_shared) -> str:
    return specgen_server_shared(workers=1)


@pytest.fixture
def layout(tmp_path):
    return ocilayout.write_layout(tmp_path / "src", seed=7, tags=("v1",))


def test_layout_pushed_and_pulled_back_byte_for_byte(registry, layout, tmp_path):
    rec = Recorder()
    with RegistryClient(registry) as reg:
        pushed = copy_image(LayoutStore(layout.path), "v1", RegistryStore(reg, "img/roundtrip"), jobs=2, progress=rec)
        assert pushed.digest == layout.index_digest
        assert len(pushed.copied) == rec.planned_blobs == len(layout.blobs) - 3  # minus index + 2 manifests
        assert pushed.manifests == 3
        assert rec.max_in_flight <= 2
        assert reg.get_manifest("img/roundtrip", "v1").content == layout.index
        pulled = copy_image(RegistryStore(reg, "img/roundtrip"), "v1", LayoutStore(tmp_path / "out", create=True))
    assert ocilayout.read_blobs(tmp_path / "out") == layout.blobs
    entry = json.loads((tmp_path / "out/index.json").read_text())["manifests"]
    assert entry == [{"mediaType": ocilayout.OCI_INDEX, "digest": layout.index_digest, "size": len(layout.index),
                      "annotations": {ocilayout.REF_NAME: "v1"}}]
    assert pulled.bytes_moved == sum(len(b) for d, b in layout.blobs.items()
                                     if d in pulled.copied)


def test_present_blobs_are_skipped_on_a_second_run(registry, layout):
    with RegistryClient(registry) as reg:
        first = copy_image(LayoutStore(layout.path), "v1", RegistryStore(reg, "img/again"))
        rec = Recorder()
        second = copy_image(LayoutStore(layout.path), "v1", RegistryStore(reg, "img/again"), progress=rec)
    assert first.copied and not first.skipped
    assert sorted(second.skipped) == sorted(first.copied) and not second.copied
    assert {how for how, _ in rec.events if how != "manifest"} == {"skipped"}


def test_many_blobs_never_more_in_flight_than_jobs(registry, tmp_path):
    lay = OCILayout(tmp_path / "many", create=True)
    layers = [os.urandom(2000 + i) for i in range(12)]
    config = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
    manifest = ocilayout.dumps({
        "schemaVersion": 2, "mediaType": ocilayout.OCI_MANIFEST,
        "config": ocilayout.descriptor(ocilayout.OCI_CONFIG, config),
        "layers": [ocilayout.descriptor(ocilayout.LAYER_GZIP, data) for data in layers],
    })
    for data in (config, *layers):
        lay.write_blob(data)
    from specgen.image import Descriptor

    lay.add(Descriptor(ocilayout.OCI_MANIFEST, lay.write_blob(manifest), len(manifest)), "many")
    rec = Recorder()
    with RegistryClient(registry) as reg:
        result = copy_image(LayoutStore(lay), "many", RegistryStore(reg, "img/many"), jobs=3, progress=rec)
    assert len(result.copied) == 13
    assert 1 <= rec.max_in_flight <= 3


def test_copy_inside_one_registry_mounts(registry, layout):
    with RegistryClient(registry) as reg:
        copy_image(LayoutStore(layout.path), "v1", RegistryStore(reg, "img/mount-src"))
        result = copy_image(RegistryStore(reg, "img/mount-src"), "v1", RegistryStore(reg, "img/mount-dst"), "v2")
        assert sorted(result.mounted) == sorted(d for d in layout.blobs if d not in
                                                {layout.index_digest, *(i.digest for i in layout.images)})
        assert not result.copied
        assert reg.get_manifest("img/mount-dst", "v2").digest == layout.index_digest


def test_copy_between_two_registries_relays_with_referrers(registry, second_registry, layout):
    with RegistryClient(registry) as src, RegistryClient(second_registry) as dst:
        copy_image(LayoutStore(layout.path), "v1", RegistryStore(src, "img/relay"))
        sbom = b'{"sbom": true}'
        src.push_blob("img/relay", sbom)
        empty = ocilayout.descriptor("application/vnd.oci.empty.v1+json", b"{}")
        src.push_blob("img/relay", b"{}")
        referrer = ocilayout.dumps({
            "schemaVersion": 2, "mediaType": ocilayout.OCI_MANIFEST,
            "artifactType": "application/vnd.specgen.test.sbom+json",
            "config": empty, "layers": [ocilayout.descriptor("application/json", sbom)],
            "subject": {"mediaType": ocilayout.OCI_INDEX, "digest": layout.index_digest,
                        "size": len(layout.index)},
        })
        ref_digest = src.push_manifest("img/relay", ocilayout.sha256(referrer), referrer)
        without = copy_image(RegistryStore(src, "img/relay"), "v1", RegistryStore(dst, "img/plain"))
        assert without.manifests == 3 and dst.referrers("img/plain", layout.index_digest) == []
        result = copy_image(RegistryStore(src, "img/relay"), "v1", RegistryStore(dst, "img/relayed"),
                            referrers=True)
        assert result.manifests == 4 and not result.mounted
        assert [r["digest"] for r in dst.referrers("img/relayed", layout.index_digest)] == [ref_digest]
        assert dst.pull_blob("img/relayed", ocilayout.sha256(sbom)) == sbom
        for digest, data in layout.blobs.items():
            assert dst.pull_blob("img/relayed", digest) == data


def test_large_blob_push_and_verified_pull_to_a_path(registry, tmp_path):
    data = os.urandom(20 << 20)  # above the monolithic threshold: the socket path
    src = tmp_path / "blob"
    src.write_bytes(data)
    seen: list[int] = []
    with RegistryClient(registry) as reg:
        digest = reg.push_blob("img/large", src, progress=lambda done, total: seen.append(done))
        assert digest == ocilayout.sha256(data)
        assert seen[-1] == len(data) and seen == sorted(seen)
        assert reg.push_blob("img/large-known", str(src), digest=digest) == digest
        assert reg.push_blob("img/large-chunked", data, chunk_size=7 << 20) == digest
        out = tmp_path / "pulled"
        assert reg.pull_blob_to("img/large-chunked", digest, out) == len(data)
        assert out.read_bytes() == data
        with open(tmp_path / "into", "wb") as f:
            assert reg.pull_blob("img/large-known", digest, f) == len(data)
        assert (tmp_path / "into").read_bytes() == data


def test_pull_resumes_from_a_partial_file(registry, tmp_path):
    data = os.urandom(12 << 20)
    with RegistryClient(registry) as reg:
        digest = reg.push_blob("img/resume", data)
        out = tmp_path / "blob"
        (tmp_path / "blob.partial").write_bytes(data[: 5 << 20])
        seen: list[tuple[int, int | None]] = []
        reg.pull_blob_to("img/resume", digest, out, progress=lambda d, t: seen.append((d, t)))
        assert out.read_bytes() == data and not (tmp_path / "blob.partial").exists()
        assert seen[0][0] > 5 << 20 and seen[-1] == (len(data), len(data))  # only the rest moved


def test_a_wrong_partial_file_never_becomes_the_blob(registry, tmp_path):
    data = os.urandom(1 << 20)
    with RegistryClient(registry) as reg:
        digest = reg.push_blob("img/wrong", data)
        out = tmp_path / "blob"
        (tmp_path / "blob.partial").write_bytes(b"x" * 1000)  # not a prefix of the blob
        from specgen.client import DigestMismatch

        with pytest.raises(DigestMismatch):
            reg.pull_blob_to("img/wrong", digest, out)
        assert not out.exists() and not (tmp_path / "blob.partial").exists()
        reg.pull_blob_to("img/wrong", digest, out)  # the next try starts clean
        assert out.read_bytes() == data


def test_layout_errors_are_one_line_user_errors(tmp_path, layout):
    with pytest.raises(LayoutError, match="not an OCI image layout"):
        OCILayout(tmp_path / "nothing")
    with pytest.raises(LayoutError, match="no manifest tagged 'v9'"):
        LayoutStore(layout.path).get_manifest("v9")


@pytest.mark.parametrize("text, kind, path, ref, base", [
    ("oci:/tmp/x:v1", "oci", "/tmp/x", "v1", ""),
    ("oci:rel/dir", "oci", "rel/dir", None, ""),
    ("http://127.0.0.1:5000/team/app:v1", "registry", "team/app", "v1", "http://127.0.0.1:5000"),
    ("https://r.example/team/app", "registry", "team/app", None, "https://r.example"),
    ("http://h:1/a/b@sha256:" + "a" * 64, "registry", "a/b", "sha256:" + "a" * 64, "http://h:1"),
])
def test_locations(text, kind, path, ref, base):
    loc = parse_location(text)
    assert (loc.kind, loc.path, loc.reference, loc.base_url) == (kind, path, ref, base)


def test_bad_locations_are_usage_errors():
    for text in ("team/app:v1", "http://127.0.0.1:5000", "ftp://x/y"):
        with pytest.raises(UserError):
            parse_location(text)


def test_image_command_push_pull(registry, layout, tmp_path, capsys):
    dest = f"{registry}/img/cli:v3"
    assert main(["image", "push", f"oci:{layout.path}:v1", dest, "--jobs", "2"]) == 0
    out = capsys.readouterr()
    assert layout.index_digest in out.out and out.err == ""  # no bars when not on a terminal
    assert main(["image", "pull", dest, f"oci:{tmp_path / 'pulled'}"]) == 0
    assert ocilayout.read_blobs(tmp_path / "pulled") == layout.blobs
    assert OCILayout(tmp_path / "pulled").tags() == ["v3"]
    assert main(["image", "pull", f"{registry}/img/cli:missing", f"oci:{tmp_path / 'p2'}"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "MANIFEST_UNKNOWN" in err
    assert main(["image", "push", dest, f"oci:{tmp_path / 'p3'}"]) == 2


def test_image_command_draws_bars_on_a_terminal(registry, layout, tmp_path):
    """Run under a pseudo-terminal of 100 columns: the bar goes to stderr (the terminal)."""
    import fcntl
    import pty
    import struct
    import subprocess
    import sys
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    screen = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            screen.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.run(
        [sys.executable, "-m", "specgen", "image", "push", f"oci:{layout.path}:v1", f"{registry}/img/tty:v1"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, env=env, timeout=60,
    )
    os.close(slave)
    reader.join(timeout=10)
    os.close(master)
    assert proc.returncode == 0, bytes(screen)
    assert b"blobs 6/6" in screen and b"100%" in screen, bytes(screen)
