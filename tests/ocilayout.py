"""Build small OCI image layouts for the interop tests: random tar layers (gzip and zstd), configs,
platform manifests and a multi-arch index, written as an OCI image layout directory."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import random
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
REF_NAME = "org.opencontainers.image.ref.name"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def descriptor(media_type: str, data: bytes, **extra) -> dict:
    return {"mediaType": media_type, "digest": sha256(data), "size": len(data), **extra}


def random_tar(rng: random.Random, files: int = 3, max_size: int = 20_000) -> bytes:
    """A valid, reproducible tar of a few files with random content."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for i in range(files):
            content = rng.randbytes(rng.randint(1, max_size))
            info = tarfile.TarInfo(f"data/file-{i}.bin")
            info.size, info.mtime, info.mode = len(content), 0, 0o644
            tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def zstd_bytes(data: bytes) -> bytes:
    import zstandard

    return zstandard.ZstdCompressor(level=3, write_content_size=True).compress(data)


def dumps(obj: object) -> bytes:
    """Manifests as a client would write them: indented, so that byte-for-byte storage matters."""
    return json.dumps(obj, indent=3).encode() + b"\n"


@dataclass
class Image:
    """A platform image: its manifest bytes and every blob it references."""

    manifest: bytes
    blobs: dict[str, bytes] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        return sha256(self.manifest)


@dataclass
class Layout:
    """An OCI image layout on disk: the index bytes, its images, and all blobs by digest."""

    path: Path
    index: bytes
    images: list[Image]
    blobs: dict[str, bytes]
    tags: list[str]

    @property
    def index_digest(self) -> str:
        return sha256(self.index)


def make_image(rng: random.Random, arch: str) -> Image:
    """One image with a gzip layer and a zstd layer for ``linux/<arch>``."""
    tars = [random_tar(rng), random_tar(rng)]
    layers = [gzip_bytes(tars[0]), zstd_bytes(tars[1])]
    config = dumps({
        "architecture": arch, "os": "linux",
        "config": {"Env": ["PATH=/usr/bin"], "Cmd": ["/bin/true"]},
        "rootfs": {"type": "layers", "diff_ids": [sha256(t) for t in tars]},
        "history": [{"created_by": "specgen interop test"}] * 2,
    })
    manifest = dumps({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": descriptor(OCI_CONFIG, config),
        "layers": [descriptor(LAYER_GZIP, layers[0]), descriptor(LAYER_ZSTD, layers[1])],
        "annotations": {"org.opencontainers.image.description": f"test image {arch}"},
    })
    image = Image(manifest)
    for blob in (config, *layers):
        image.blobs[sha256(blob)] = blob
    return image


def make_index(images: list[Image], archs: list[str]) -> bytes:
    return dumps({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            descriptor(OCI_MANIFEST, img.manifest, platform={"architecture": a, "os": "linux"})
            for img, a in zip(images, archs)
        ],
    })


def write_layout(path: Path, seed: int = 0, tags: tuple[str, ...] = ("v1",),
                 archs: tuple[str, ...] = ("amd64", "arm64")) -> Layout:
    """Write a multi-arch OCI image layout under ``path`` and return what it contains."""
    rng = random.Random(seed)
    images = [make_image(rng, a) for a in archs]
    index = make_index(images, list(archs))
    blobs: dict[str, bytes] = {sha256(index): index}
    for img in images:
        blobs[img.digest] = img.manifest
        blobs.update(img.blobs)
    bdir = path / "blobs" / "sha256"
    bdir.mkdir(parents=True, exist_ok=True)
    for digest, data in blobs.items():
        (bdir / digest.split(":", 1)[1]).write_bytes(data)
    (path / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    top = [descriptor(OCI_INDEX, index, annotations={REF_NAME: t}) for t in tags]
    (path / "index.json").write_bytes(json.dumps({"schemaVersion": 2, "manifests": top}).encode())
    return Layout(path, index, images, blobs, list(tags))


def read_blobs(path: Path) -> dict[str, bytes]:
    """Every blob of an OCI image layout directory, by digest."""
    out = {}
    for algo_dir in (path / "blobs").iterdir():
        for f in algo_dir.iterdir():
            out[f"{algo_dir.name}:{f.name}"] = f.read_bytes()
    return out


def random_blob(size: int, seed: int | None = None) -> bytes:
    return random.Random(seed).randbytes(size) if seed is not None else os.urandom(size)
