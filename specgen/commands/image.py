"""``specgen image push|pull|copy``: move a whole image between registries and OCI image layouts.

Locations: ``oci:DIR[:TAG]`` (an OCI image layout directory, as skopeo's ``oci:`` transport
names it) or ``http[s]://HOST[:PORT]/REPO[:TAG|@DIGEST]``. Passwords come from the environment
(``SPECGEN_PASSWORD``, or ``SPECGEN_SRC_PASSWORD`` / ``SPECGEN_DEST_PASSWORD`` for one side) or
one line on standard input (``--password-stdin``), never from the command line.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from specgen.errors import UserError

ENV_PASSWORD = "SPECGEN_PASSWORD"


class TransferFailed(UserError):
    """The transfer itself failed (network, registry, content): exit 1, not a usage error."""

    exit_code = 1


@dataclass(frozen=True)
class Location:
    kind: str  # "oci" or "registry"
    path: str  # layout directory, or repository name
    reference: str | None  # tag or digest
    base_url: str = ""

    def __str__(self) -> str:
        ref = "" if self.reference is None else ("@" if ":" in self.reference else ":") + self.reference
        return f"oci:{self.path}{ref}" if self.kind == "oci" else f"{self.base_url}/{self.path}{ref}"


def parse_location(text: str) -> Location:
    """``oci:DIR[:TAG]`` or ``http[s]://HOST/REPO[:TAG|@DIGEST]``; ``UserError`` otherwise."""
    if text.startswith("oci:"):
        rest = text[4:]
        head, sep, tag = rest.rpartition(":")
        if sep and "/" not in tag and head:
            return Location("oci", head, tag or None)
        return Location("oci", rest, None)
    if text.startswith(("http://", "https://")):
        parts = urlsplit(text)
        repo = parts.path.strip("/")
        if not parts.netloc or not repo:
            raise UserError(f"{text!r}: give a repository after the host, e.g. http://127.0.0.1:5000/team/app:v1")
        reference: str | None = None
        if "@" in repo:
            repo, reference = repo.split("@", 1)
        else:
            head, sep, tag = repo.rpartition(":")
            if sep and "/" not in tag:
                repo, reference = head, tag
        return Location("registry", repo, reference, f"{parts.scheme}://{parts.netloc}")
    raise UserError(f"{text!r} is no location: use oci:DIR[:TAG] or http[s]://HOST/REPO[:TAG]")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "image",
        help="push, pull or copy a whole image (registries and OCI image layouts)",
        description="Move an image (manifest or index, configs, layers; referrers on request) "
        "between OCI image layout directories (oci:DIR[:TAG]) and registries "
        "(http[s]://HOST/REPO[:TAG|@DIGEST]). Blobs the destination has are skipped, so running "
        "again after an interruption moves only the rest. Progress bars on a terminal only. "
        f"Passwords: ${ENV_PASSWORD} (or $SPECGEN_SRC_PASSWORD / $SPECGEN_DEST_PASSWORD), or "
        "--password-stdin. Exit 0: done; 1: the transfer failed; 2: usage error.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, what, src_help, dst_help in (
        ("push", "an OCI image layout to a registry", "oci:DIR[:TAG]", "http[s]://HOST/REPO[:TAG]"),
        (
            "pull",
            "an image from a registry into an OCI image layout",
            "http[s]://HOST/REPO[:TAG|@DIGEST]",
            "oci:DIR[:TAG]",
        ),
        ("copy", "an image from any location to any other", "SOURCE", "DESTINATION"),
    ):
        a = actions.add_parser(name, help=f"copy {what}", description=f"Copy {what}.")
        a.add_argument("source", help=src_help)
        a.add_argument("destination", help=dst_help)
        a.add_argument("--jobs", type=int, default=4, help="blobs moved at once (default: 4)")
        a.add_argument("--referrers", action="store_true", help="also copy the manifests that refer to it")
        a.add_argument("--user", help="user name for both registries (password from $SPECGEN_PASSWORD)")
        a.add_argument("--src-user", help="user name for the source registry")
        a.add_argument("--dest-user", help="user name for the destination registry")
        a.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        a.add_argument("--insecure", action="store_true", help="do not verify TLS certificates")
        a.add_argument(
            "--sessions",
            metavar="FILE",
            help="record blob uploads in FILE, so a push cut off midway continues there next time",
        )
        a.add_argument("--quiet", "-q", action="store_true", help="no progress bars, even on a terminal")
        a.set_defaults(func=run, kinds={"push": ("oci", "registry"), "pull": ("registry", "oci")}.get(name))


def _password(args: argparse.Namespace, side: str, stdin_password: str | None) -> str | None:
    return os.environ.get(f"SPECGEN_{side.upper()}_PASSWORD") or os.environ.get(ENV_PASSWORD) or stdin_password


def run(args: argparse.Namespace) -> int:
    from specgen.client import ClientError, RegistryClient
    from specgen.image import LayoutStore, RegistryStore, copy_image

    src, dst = parse_location(args.source), parse_location(args.destination)
    if args.kinds and (src.kind, dst.kind) != args.kinds:
        want = " to ".join("oci:DIR" if k == "oci" else "a registry" for k in args.kinds)
        raise UserError(f"image {args.action} copies {want}; use `specgen image copy` for {src.kind} to {dst.kind}")
    if args.jobs < 1:
        raise UserError("--jobs must be at least 1")
    stdin_password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else None
    clients: list[RegistryClient] = []

    def store(loc: Location, side: str, create: bool):
        if loc.kind == "oci":
            return LayoutStore(loc.path, create=create)
        user = getattr(args, f"{side}_user") or args.user
        client = RegistryClient(
            loc.base_url,
            username=user,
            password=_password(args, side, stdin_password) if user else None,
            verify=not args.insecure,
            upload_sessions=args.sessions,
        )
        clients.append(client)
        return RegistryStore(client, loc.path)

    try:
        source = store(src, "src", False)
        target = store(dst, "dest", True)
        show = not args.quiet and sys.stderr.isatty()
        listener: Any = BarProgress() if show else None
        tag = dst.reference if dst.reference and ":" not in dst.reference else None
        result = copy_image(
            source, src.reference, target, tag, jobs=args.jobs, referrers=args.referrers, progress=listener
        )
    except ClientError as exc:
        raise TransferFailed(f"{src} -> {dst}: {exc}") from None
    except OSError as exc:
        raise TransferFailed(f"{src} -> {dst}: {exc}") from None
    finally:
        if listener is not None:
            listener.close()
        for c in clients:
            c.close()
    print(
        f"{result.digest} {dst}: {len(result.copied)} blobs copied ({result.bytes_moved / (1 << 20):.1f} MiB), "
        f"{len(result.skipped)} present, {len(result.mounted)} mounted, {result.manifests} manifests"
    )
    return 0


class BarProgress:
    """One tqdm bar of the bytes of all blobs, with the count of blobs done."""

    def __init__(self) -> None:
        self._bar = None
        self._lock = threading.Lock()
        self._moved: dict[str, int] = {}
        self._done = 0
        self._count = 0

    def planned(self, blobs, manifests) -> None:
        from tqdm import tqdm

        self._count = len(blobs)
        self._bar = tqdm(
            total=sum(b.size for b in blobs),
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            file=sys.stderr,
            desc=f"blobs 0/{self._count}",
            leave=True,
        )

    def blob_started(self, blob) -> None:
        pass

    def blob_bytes(self, blob, done: int, total) -> None:
        with self._lock:
            before = self._moved.get(blob.digest, 0)
            self._moved[blob.digest] = done
            if self._bar is not None and done > before:
                self._bar.update(done - before)

    def blob_done(self, blob, how: str) -> None:
        with self._lock:
            rest = blob.size - self._moved.get(blob.digest, 0)
            self._moved[blob.digest] = blob.size
            self._done += 1
            if self._bar is not None:
                if rest > 0:
                    self._bar.update(rest)
                self._bar.set_description(f"blobs {self._done}/{self._count}")

    def manifest_done(self, manifest, reference: str) -> None:
        pass

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
