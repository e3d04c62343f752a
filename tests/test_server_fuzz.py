"""Bad requests against a live ``specgen serve``: every answer is a precise, declared API error.

Two halves, both against real ``specgen serve`` processes (uvicorn + httptools, as deployed):

- schemathesis generates requests for every operation of the OpenAPI document of the set (a
  bounded number of examples each) and every response must be < 500 and pass ``specgen.checker.validate``
  with no error finding;
- hand-written nasty requests, sent byte for byte over a socket (malformed ``Content-Range``,
  huge/negative ``n``, raw and percent-encoded path bytes, ``..``, over-long names, bogus digests,
  bad manifests, unknown/finished uploads, undeclared methods, no ``Host``, double slashes,
  repeated query keys), each with the status and error code it must get, checked by the same rule.

The rule (``check``): never 5xx; a path no route matches gets distribution's plain 404; an
undeclared method gets 405 with ``Allow`` and the ``UNSUPPORTED`` envelope; everything else must
be declared by the descriptors (status, headers, error codes, body schema).

Also: ``specgen serve`` refuses a bad ``--root``/``--port``/``--set`` with exit 2 and no traceback.
"""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
import time
from http.client import HTTPResponse
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

import pytest
from peers import free_port, start_specgen

from specgen.checker.validate import Exchange, Finding, locate, validate
from specgen.descriptors import load_set
from specgen.distribution.router import clean_path

SETS = ("oci_v1_1", "registry_v2")
EMPTY = "sha256:" + hashlib.sha256(b"").hexdigest()
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


# -- plumbing ------------------------------------------------------------------------------------

class Reply(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes


def raw_request(url: str, method: str, target: bytes | str, headers: dict[str, str] | None = None,
                body: bytes = b"", host: bool = True, timeout: float = 10) -> Reply:
    """Send exactly this request line and these headers (nothing normalised) and read the reply."""
    parts = urlsplit(url)
    if isinstance(target, str):
        target = target.encode("latin-1")
    head = [method.encode() + b" " + target + b" HTTP/1.1"]
    if host:
        head.append(f"Host: {parts.netloc}".encode())
    for k, v in (headers or {}).items():
        head.append(f"{k}: {v}".encode("latin-1"))
    if body and not any(k.lower() in ("content-length", "transfer-encoding") for k in headers or {}):
        head.append(f"Content-Length: {len(body)}".encode())
    head.append(b"Connection: close")
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(b"\r\n".join(head) + b"\r\n\r\n" + body)
        resp = HTTPResponse(sock, method=method)
        resp.begin()
        data = resp.read()
        return Reply(resp.status, {k: v for k, v in resp.getheaders()}, data)


def check(dset, method: str, url: str, request_headers: dict[str, str], reply: Reply,
          request_body: bytes | None = None) -> list[str]:
    """Problems with one exchange (empty when it is fine by the rule in the module docstring)."""
    if reply.status >= 500:
        return [f"server error {reply.status}: {reply.body[:300]!r}"]
    ex = Exchange(method, url, request_headers, reply.status, reply.headers, reply.body, request_body)
    target = locate(ex, dset)
    headers = {k.lower(): v for k, v in reply.headers.items()}
    if isinstance(target, Finding) and "no route" in target.message or not _clean(url):
        # (an unclean path: distribution's mux redirects it to the cleaned path, which the
        # validator follows; the server does not route it at all)
        return [] if reply.status in (301, 404) else [f"no route, yet {reply.status}"]
    if isinstance(target, Finding) and "not declared for route" in target.message:
        problems = []
        if reply.status != 405:
            problems.append(f"undeclared method answered {reply.status}")
        if "allow" not in headers:
            problems.append("405 without Allow")
        if method != "HEAD":
            codes = [e.get("code") for e in json.loads(reply.body or b"{}").get("errors", [])]
            if codes != ["UNSUPPORTED"]:
                problems.append(f"405 body codes {codes}")
        return problems
    return [f"{f.path}: {f.message}" for f in validate(ex, dset)
            if f.severity == "error" and not _descriptor_gap(f, ex)]


#: Responses the server is right to send but the descriptors do not declare (reported to the
#: descriptors' owner), each with when it applies.
DESCRIPTOR_GAPS = {
    "status 400 not declared": (
        "a repository name over 255 characters: distribution answers 400 NAME_INVALID on every "
        "route with a name (reference.ErrNameTooLong in its dispatcher), but the tags request "
        "descriptors declare no 400",
        lambda f, ex: f.path.startswith("tags/") and len(urlsplit(ex.url).path.split("/tags/")[0]) > 4 + 255),
    "status 202 not declared": (
        "a mount that cannot be done opens an ordinary upload session (202), as distribution does "
        "and clients rely on; descriptors.go (so registry_v2) declares only 201 for Mount Blob, "
        "the extension set declares both",
        lambda f, ex: f.path.startswith("blob-upload/POST/Mount Blob/")),
}


def _descriptor_gap(f: Finding, ex: Exchange) -> bool:
    return any(text in f.message and applies(f, ex) for text, (_, applies) in DESCRIPTOR_GAPS.items())


def _clean(url: str) -> bool:
    path = unquote(urlsplit(url).path)
    return clean_path(path) == path


def error_codes(reply: Reply) -> list[str]:
    try:
        return [e["code"] for e in json.loads(reply.body)["errors"]]
    except (ValueError, KeyError, TypeError):
        return []


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """set name -> (set name, descriptor set, base URL): one ``specgen serve`` per set, started on
    first use and stopped with the module; no handler may have logged a traceback by then."""
    peers, started = {}, {}

    def get(set_name: str):
        if set_name not in peers:
            peers[set_name] = start_specgen(tmp_path_factory.mktemp(f"fuzz-{set_name}"), set=set_name)
            started[set_name] = (set_name, load_set(set_name), peers[set_name].url)
        return started[set_name]

    yield get
    logs = []
    for peer in peers.values():
        peer.stop()
        logs.append(peer.log.read_text(errors="replace"))
    for log in logs:
        assert "Traceback" not in log, log[-3000:]  # no handler blew up, even if answered


@pytest.fixture
def served(servers, request):
    return servers(request.param)


# -- schemathesis ---------------------------------------------------------------------------------

@pytest.mark.slow  # ~15 s per set
@pytest.mark.parametrize("served", SETS, indirect=True)
def test_schemathesis_every_operation(served):
    """Generated requests for every operation, valid ones (positive mode) and ones that break the
    document's parameter schemas (negative mode): nothing 5xx, everything declared."""
    schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the test extra")
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis.generation import GenerationMode

    from specgen.compilers.openapi import compile_openapi

    set_name, dset, url = served
    schema = schemathesis.openapi.from_dict(compile_openapi(dset, "3.1"))
    problems: dict[tuple, str] = {}
    sent: dict[GenerationMode, set[str]] = {mode: set() for mode in GenerationMode}
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode, examples in ((GenerationMode.POSITIVE, 5), (GenerationMode.NEGATIVE, 3)):

            @given(operation.as_strategy(mode))
            @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            def call(case):  # called right below, in this iteration: the loop variables are current
                # framing headers are the transport's business: a made-up Content-Length with no
                # body only makes the server wait for the body
                case.headers = {k: v for k, v in (case.headers or {}).items()
                                if k.lower() not in ("content-length", "transfer-encoding", "host")}
                r = case.call(base_url=url, timeout=10)
                sent[mode].add(operation.label)  # noqa: B023
                req = r.request
                body = req.body.encode() if isinstance(req.body, str) else req.body
                reply = Reply(r.status_code, {k: ", ".join(v) if isinstance(v, list) else v
                                              for k, v in r.headers.items()}, r.content)
                for p in check(dset, req.method, req.url, dict(req.headers), reply, body):
                    problems.setdefault((operation.label, mode.value, r.status_code, p),  # noqa: B023
                                        f"{req.method} {req.url}")

            try:
                call()
            except Unsatisfiable:  # nothing to break (e.g. GET /v2/ has no parameters)
                assert mode is GenerationMode.NEGATIVE, operation.label
    assert len(operations) == sum(len(r.methods or ()) for r in dset.routes)
    assert sent[GenerationMode.POSITIVE] == {op.label for op in operations}
    assert len(sent[GenerationMode.NEGATIVE]) >= len(operations) - 1
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())


# -- hand-written cases ---------------------------------------------------------------------------

class Case(NamedTuple):
    id: str
    method: str
    target: str | bytes            # request target; "{upload}" becomes a fresh upload's path
    status: int | tuple[int, ...]  # what the server must answer
    code: str | None = None        # the (first) error code it must send, if any
    headers: dict | None = None
    body: bytes = b""
    host: bool = True
    sets: tuple[str, ...] = SETS   # sets the expectation holds for
    says: str | None = None        # words the error message must contain


LONG = "a" * 256
MANIFEST = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                  "digest": EMPTY, "size": 0},
                       "layers": []}).encode()
CT = {"Content-Type": OCI_MANIFEST}
BAD_DIGESTS = {
    "unknown-algorithm": "md5:d41d8cd98f00b204e9800998ecf8427e",
    "wrong-length": "sha256:abc0",
    "uppercase-hex": "sha256:" + "A" * 64,
    "sha512-short": "sha512:" + "a" * 64,
}

CASES = [
    # Content-Range on a live upload
    *[Case(f"content-range-{i}", "PATCH", "{upload}", 416, "RANGE_INVALID",
           {"Content-Range": cr}, b"abcd", sets=("oci_v1_1",))
      for i, cr in enumerate(["garbage", "5-2", "0-", "-1-3", "bytes=0-3", "0-99999999999999999999",
                              "1-4", "0-1"])],
    Case("content-range-longer-than-chunk", "PATCH", "{upload}", 416, "RANGE_INVALID",
         {"Content-Range": "0-9"}, b"abcd", sets=("oci_v1_1",), says="length"),
    Case("content-range-shorter-than-chunk", "PATCH", "{upload}", 416, "RANGE_INVALID",
         {"Content-Range": "0-1"}, b"abcd", sets=("oci_v1_1",), says="length"),
    Case("content-range-not-at-end", "PATCH", "{upload}", 416, "RANGE_INVALID",
         {"Content-Range": "4-7"}, b"abcd", sets=("oci_v1_1",), says="start"),
    Case("content-range-reg-v2", "PATCH", "{upload}", 416, None, {"Content-Range": "x"}, b"abcd",
         sets=("registry_v2",)),  # registry_v2 declares a bare 416 here
    # pagination
    *[Case(f"n-{n}-{where}", "GET", f"{path}?n={n}", 400, "PAGINATION_NUMBER_INVALID")
      for n in ("-1", "abc", "1e3", "", "%D9%A1", "0x10")
      for where, path in (("catalog", "/v2/_catalog"), ("tags", "/v2/x/y/tags/list"))],
    Case("n-huge-catalog", "GET", "/v2/_catalog?n=99999999999999999999999999", 200),
    Case("n-repeated-first-wins", "GET", "/v2/_catalog?n=x&n=1", 400, "PAGINATION_NUMBER_INVALID"),
    Case("n-repeated-first-valid", "GET", "/v2/_catalog?n=1&n=x&last=a&last=b", 200),
    Case("last-non-utf8", "GET", "/v2/_catalog?n=2&last=%ff%fe", 200),
    # names and paths
    Case("name-too-long-tags", "GET", f"/v2/{LONG}/tags/list", 400, "NAME_INVALID"),  # see DESCRIPTOR_GAPS
    Case("name-too-long-manifest", "GET", f"/v2/{LONG}/manifests/latest", 400, "NAME_INVALID"),
    Case("name-too-long-upload", "POST", f"/v2/{LONG}/blobs/uploads/", 400, "NAME_INVALID"),
    Case("name-too-long-put-manifest", "PUT", f"/v2/{LONG}/manifests/latest", 400, "NAME_INVALID",
         CT, MANIFEST),
    Case("dotdot-name", "GET", "/v2/a/../b/tags/list", 301),
    Case("dotdot-encoded-name", "GET", "/v2/a/%2e%2e/b/tags/list", 301),
    Case("dotdot-escape", "GET", "/v2/a/../../etc/tags/list", 301),
    Case("dotdot-reference", "GET", "/v2/a/manifests/..", 301),
    # gorilla cleans before routing: docker-registry 2.8.2 answers 301 -> /v2/a/blobs here too
    Case("dotdot-upload", "GET", "/v2/a/blobs/uploads/..", 301),
    Case("dotdot-upload-encoded-slash", "GET", "/v2/a/blobs/uploads/..%2f..%2fetc", 301),
    Case("dotdot-upload-put", "PUT", f"/v2/a/blobs/uploads/..?digest={EMPTY}", 301),
    Case("percent-ff-name", "GET", "/v2/a%ff/tags/list", 404),
    Case("percent-nul-name", "GET", "/v2/a%00/tags/list", 404),
    Case("percent-slash-name", "GET", "/v2/a%2fb/tags/list", 404, "NAME_UNKNOWN"),
    Case("double-slash-root", "GET", "//v2/", 301),
    Case("double-slash-name", "GET", "/v2/a//b/tags/list", 301),
    Case("double-slash-after-v2", "GET", "/v2//a/tags/list", 301),
    # distribution's router is StrictSlash: the other form of a routed path is redirected to it
    Case("base-without-slash", "GET", "/v2", 301),
    Case("upload-without-slash", "POST", "/v2/a/blobs/uploads", 301),
    Case("tags-with-slash", "GET", "/v2/a/tags/list/", 301),
    # bogus digests everywhere a digest goes
    *[c for label, d in BAD_DIGESTS.items() for c in (
        Case(f"blob-get-{label}", "GET", f"/v2/x/y/blobs/{d}", 400, "DIGEST_INVALID"),
        Case(f"blob-delete-{label}", "DELETE", f"/v2/x/y/blobs/{d}", 400, "DIGEST_INVALID"),
        Case(f"upload-post-{label}", "POST", f"/v2/x/y/blobs/uploads/?digest={d}", 400, "DIGEST_INVALID"),
        Case(f"mount-{label}", "POST", f"/v2/x/y/blobs/uploads/?mount={d}&from=a/b", 400, "DIGEST_INVALID"),
        Case(f"upload-put-{label}", "PUT", "{upload}?digest=" + d, 400, "DIGEST_INVALID"),
        Case(f"manifest-get-{label}", "GET", f"/v2/x/y/manifests/{d}", 400, "DIGEST_INVALID",
             sets=("oci_v1_1",)),
        Case(f"manifest-get-{label}-v2", "GET", f"/v2/x/y/manifests/{d}", 400, "TAG_INVALID",
             sets=("registry_v2",)),  # registry_v2 declares no DIGEST_INVALID here
        Case(f"manifest-delete-{label}", "DELETE", f"/v2/x/y/manifests/{d}", 400, "DIGEST_INVALID",
             sets=("oci_v1_1",)),
        Case(f"manifest-put-{label}", "PUT", f"/v2/x/y/manifests/{d}", 400, "DIGEST_INVALID", CT,
             MANIFEST, sets=("oci_v1_1",)),
        Case(f"referrers-{label}", "GET", f"/v2/x/y/referrers/{d}", 400, "DIGEST_INVALID",
             sets=("oci_v1_1",)),
    )],
    # manifests
    Case("manifest-invalid-json", "PUT", "/v2/m/n/manifests/t", 400, "MANIFEST_INVALID", CT, b"{"),
    Case("manifest-not-utf8", "PUT", "/v2/m/n/manifests/t", 400, "MANIFEST_INVALID", CT, b"\xff\xfe{}"),
    Case("manifest-deeply-nested", "PUT", "/v2/m/n/manifests/t", 400, "MANIFEST_INVALID", CT,
         b"[" * 100_000 + b"]" * 100_000),
    Case("manifest-deeply-nested-object", "PUT", "/v2/m/n/manifests/t", 400, "MANIFEST_INVALID", CT,
         b'{"a":' * 100_000 + b"1" + b"}" * 100_000),
    Case("manifest-utf8-bom", "PUT", "/v2/m/n/manifests/t", 400, "MANIFEST_INVALID", CT,
         b"\xef\xbb\xbf" + MANIFEST),
    Case("manifest-utf16", "PUT", "/v2/m/n/manifests/t", 400, "MANIFEST_INVALID", CT,
         MANIFEST.decode().encode("utf-16")),
    Case("manifest-json-array", "PUT", "/v2/m/n/manifests/t", 400, "MANIFEST_INVALID", CT, b"[]"),
    Case("manifest-media-type-mismatch", "PUT", "/v2/m/n/manifests/t", 400, "MANIFEST_INVALID",
         {"Content-Type": "application/vnd.oci.image.index.v1+json"}, MANIFEST),
    Case("manifest-unknown-media-type", "PUT", "/v2/m/n/manifests/t", 400, "MANIFEST_INVALID",
         {"Content-Type": "application/vnd.example+json"}, b'{"schemaVersion": 2, "mediaType": "x/y"}'),
    Case("manifest-schema1", "PUT", "/v2/m/n/manifests/t", 400, "MANIFEST_INVALID",
         {"Content-Type": "application/vnd.docker.distribution.manifest.v1+prettyjws"}, b'{"schemaVersion": 1}'),
    Case("manifest-too-large", "PUT", "/v2/m/n/manifests/t", 413, None, CT, b" " * (5 << 20),
         sets=("oci_v1_1",)),
    Case("manifest-too-large-v2", "PUT", "/v2/m/n/manifests/t", 400, "MANIFEST_INVALID", CT,
         b" " * (5 << 20), sets=("registry_v2",)),  # registry_v2 declares no 413
    Case("manifest-huge-content-length", "PUT", "/v2/m/n/manifests/t", 413, None,
         {**CT, "Content-Length": "99999999999"}, b"{", sets=("oci_v1_1",)),
    Case("manifest-bad-tag", "PUT", "/v2/x/y/manifests/-bad", 404),  # no route: tag regexp
    Case("manifest-unknown-blob", "PUT", "/v2/m/n/manifests/t", 400, "MANIFEST_BLOB_UNKNOWN", CT, MANIFEST,
         sets=("oci_v1_1",)),
    # uploads
    Case("patch-unknown-upload", "PATCH", "/v2/x/y/blobs/uploads/no-such-upload", 404,
         "BLOB_UPLOAD_UNKNOWN", {"Content-Range": "0-3"}, b"abcd"),
    Case("patch-completed-upload", "PATCH", "{completed}", 404, "BLOB_UPLOAD_UNKNOWN", None, b"abcd"),
    Case("put-completed-upload", "PUT", "{completed}?digest=" + EMPTY, 404, "BLOB_UPLOAD_UNKNOWN"),
    Case("delete-completed-upload", "DELETE", "{completed}", 404, "BLOB_UPLOAD_UNKNOWN"),
    Case("upload-put-digest-mismatch", "PUT", "{upload}?digest=" + EMPTY, 400, "DIGEST_INVALID", None, b"x"),
    Case("upload-put-no-digest", "PUT", "{upload}", (400, 404)),
    Case("post-digest-mismatch", "POST", f"/v2/x/y/blobs/uploads/?digest={EMPTY}", 400, "DIGEST_INVALID",
         None, b"hello"),
    Case("post-unknown-digest-algorithm", "POST", "/v2/x/y/blobs/uploads/?digest-algorithm=md5", 400,
         "DIGEST_INVALID"),
    Case("range-garbage-unknown-blob", "GET", f"/v2/rg/x/blobs/{EMPTY}", 404, "BLOB_UNKNOWN",
         {"Range": "bytes=abc"}),
    # Range on a blob that exists ("{blob}": ten bytes "0123456789")
    *[Case(f"range-{label}", "GET", "{blob}", status, headers={"Range": rng})
      for label, rng, status in (
          ("first-byte", "bytes=0-0", 206), ("open-end", "bytes=3-", 206), ("suffix", "bytes=-3", 206),
          ("past-end", "bytes=0-99999999999999999999", 206), ("start-past-end", "bytes=10-", 416),
          ("huge-start", "bytes=99999999999999999999-", 416), ("reversed", "bytes=5-2", 416),
          ("suffix-zero", "bytes=-0", 416), ("multi", "bytes=0-0,2-3", 416),
          # RFC 9110 14.2 says ignore an unknown unit (200), but distribution (Go's ServeContent)
          # answers 416 and the descriptors declare no 200 for a request with Range: keep 416
          ("unknown-unit", "items=0-1", 416),
          ("garbage", "bytes=abc", 416))],
    # methods
    *[Case(f"{m.lower()}-{label}", m, path, 405, "UNSUPPORTED")
      for m in ("OPTIONS", "TRACE", "PROPFIND")
      for label, path in (("base", "/v2/"), ("manifest", "/v2/x/y/manifests/t"), ("catalog", "/v2/_catalog"),
                          ("uploads", "/v2/x/y/blobs/uploads/"), ("upload", "{upload}"),
                          ("blob", f"/v2/x/y/blobs/{EMPTY}"))],
    Case("post-manifest", "POST", "/v2/x/y/manifests/t", 405, "UNSUPPORTED"),
    # Host
    Case("no-host", "POST", "/v2/x/y/blobs/uploads/", 202, host=False),
    Case("host-with-space", "POST", "/v2/x/y/blobs/uploads/", 202, headers={"Host": "a b"}, host=False),
    Case("host-with-path", "POST", "/v2/x/y/blobs/uploads/", 202, headers={"Host": "a/evil?"}, host=False),
    Case("absolute-form-target", "GET", "http://elsewhere/v2/", 200),
]


def _fresh_upload(url: str, repo: str = "x/y") -> str:
    reply = raw_request(url, "POST", f"/v2/{repo}/blobs/uploads/")
    assert reply.status == 202, reply
    return urlsplit(reply.headers["location"] if "location" in reply.headers
                    else reply.headers["Location"]).path


@pytest.mark.parametrize("served,case", [(s, c) for c in CASES for s in SETS if s in c.sets],
                         ids=[f"{s}-{c.id}" for c in CASES for s in SETS if s in c.sets],
                         indirect=["served"])
def test_nasty_request(served, case):
    set_name, dset, url = served
    target = case.target
    if isinstance(target, str) and "{upload}" in target:
        target = target.replace("{upload}", _fresh_upload(url))
    if isinstance(target, str) and "{blob}" in target:
        d = "sha256:" + hashlib.sha256(b"0123456789").hexdigest()
        assert raw_request(url, "POST", f"/v2/rb/x/blobs/uploads/?digest={d}", body=b"0123456789").status == 201
        target = target.replace("{blob}", f"/v2/rb/x/blobs/{d}")
    if isinstance(target, str) and "{completed}" in target:
        path = _fresh_upload(url)
        done = raw_request(url, "PUT", f"{path}?digest={EMPTY}")
        assert done.status == 201, done
        target = target.replace("{completed}", path)
    started = time.monotonic()
    reply = raw_request(url, case.method, target, case.headers, case.body, host=case.host)
    assert time.monotonic() - started < 5, "answered only after a long wait"
    shown = f"{case.method} {target!r} -> {reply.status} {reply.headers} {reply.body[:300]!r}"
    statuses = case.status if isinstance(case.status, tuple) else (case.status,)
    assert reply.status in statuses, shown
    if case.code is not None:
        assert error_codes(reply)[:1] == [case.code], shown
    if reply.status == 301:  # gorilla's answer: the cleaned path, or the other slash form, routed
        raw_path = (target if isinstance(target, str) else target.decode("latin-1")).partition("?")[0]
        path = unquote(raw_path)
        expected = clean_path(path) if clean_path(path) != path else (
            path[:-1] if path.endswith("/") else path + "/")
        location = reply.headers.get("location", reply.headers.get("Location", ""))
        assert unquote(urlsplit(location).path) == expected, shown  # the query is kept, as gorilla does
    if case.says is not None:
        assert case.says in json.loads(reply.body)["errors"][0]["message"], shown
    full = url + (target.decode("latin-1") if isinstance(target, bytes) else target)
    if "://" in str(case.target):
        full = url + urlsplit(str(case.target)).path
    req_headers = {"Host": urlsplit(url).netloc, **(case.headers or {})}
    problems = check(dset, case.method, full, req_headers, reply, case.body or None)
    assert not problems, f"{shown}\n" + "\n".join(problems)
    location = {k.lower(): v for k, v in reply.headers.items()}.get("location")
    if location and reply.status != 301:  # an API Location: a usable URL of this registry, whatever Host said
        parts = urlsplit(location)
        assert parts.scheme == "http" and parts.path.startswith("/v2/") and " " not in location, location
        follow = raw_request(url, "GET", parts.path)
        assert follow.status in (200, 204), (location, follow)


@pytest.mark.parametrize("served", SETS, indirect=True)
def test_head_on_everything(served):
    """HEAD mirrors GET's status and headers with no body, on every route, found or not."""
    set_name, dset, url = served
    d = "sha256:" + hashlib.sha256(b"head").hexdigest()
    assert raw_request(url, "POST", f"/v2/h/r/blobs/uploads/?digest={d}", body=b"head").status == 201
    upload = _fresh_upload(url, "h/r")
    paths = ["/v2/", "/v2/_catalog", "/v2/_catalog?n=x", "/v2/h/r/tags/list", "/v2/nope/tags/list",
             f"/v2/h/r/blobs/{d}", f"/v2/h/r/blobs/{EMPTY}", "/v2/h/r/blobs/sha256:zz",
             "/v2/h/r/manifests/latest", "/v2/h/r/manifests/md5:" + "a" * 32, upload,
             "/v2/h/r/blobs/uploads/nope", f"/v2/{LONG}/tags/list", "/nothing", "/v2/h/r/blobs/uploads/"]
    if set_name == "oci_v1_1":
        paths.append(f"/v2/h/r/referrers/{d}")
    for path in paths:
        get = raw_request(url, "GET", path)
        head = raw_request(url, "HEAD", path)
        shown = f"HEAD {path} -> {head.status} {head.headers} vs GET {get.status}"
        assert head.body == b"", shown
        assert head.status < 500 and head.status == get.status, shown
        if get.status != 405:
            hl = {k.lower(): v for k, v in head.headers.items()}
            gl = {k.lower(): v for k, v in get.headers.items()}
            assert hl.get("content-length") == gl.get("content-length"), shown
        problems = check(dset, "HEAD", url + path, {"Host": urlsplit(url).netloc}, head)
        assert not problems, f"{shown}\n" + "\n".join(problems)


@pytest.mark.parametrize("served", SETS, indirect=True)
def test_non_utf8_bytes_in_the_request_line_are_refused_cleanly(served):
    """Raw bytes >= 0x80 in the target are not HTTP: the parser answers 400, no traceback, and the
    server keeps serving."""
    _, _, url = served
    for target in (b"/v2/a/\xff/tags/list", b"/v2/_catalog?\xff=1", b"/v2/a/manifests/\xc3\xa9"):
        reply = raw_request(url, "GET", target)
        assert reply.status in (400, 404), reply
    assert raw_request(url, "GET", "/v2/").status == 200


# -- specgen serve refuses bad settings -----------------------------------------------------------

def serve(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "specgen", "serve", *args], capture_output=True,
                          text=True, timeout=timeout)


def _refused(out: subprocess.CompletedProcess, *words: str) -> None:
    assert out.returncode == 2, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr, out.stderr
    assert out.stderr.startswith("specgen: error: "), out.stderr
    for word in words:
        assert word in out.stderr, out.stderr


def test_serve_refuses_unwritable_root():
    # /proc/self is a directory nobody can create files in (root included, unlike chmod 0555)
    _refused(serve("--root", "/proc/self", "--port", "0"), "--root")


def test_serve_refuses_root_that_is_a_file(tmp_path):
    f = tmp_path / "file"
    f.write_text("")
    _refused(serve("--root", str(f), "--port", "0"), "--root")


def test_serve_refuses_port_in_use(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        _refused(serve("--root", str(tmp_path / "r"), "--port", str(port)), str(port))


@pytest.mark.parametrize("port", ["99999", "-1"])
def test_serve_refuses_port_out_of_range(tmp_path, port):
    _refused(serve("--root", str(tmp_path / "r"), "--port", port), "port")


def test_serve_refuses_unknown_storage_driver_and_malformed_params(tmp_path):
    _refused(serve("--driver", "nope", "--root", str(tmp_path / "r"), "--port", "0"), "nope", "filesystem")
    _refused(serve("--driver-param", "novalue", "--root", str(tmp_path / "r"), "--port", "0"), "KEY=VALUE")


def test_serve_takes_the_driver_and_its_params_from_flags(tmp_path):
    """``--driver-param root=DIR`` is the filesystem driver's root: a blob pushed lands there."""
    import peers

    store, log = tmp_path / "by-param", tmp_path / "serve.log"
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "specgen", "serve", "--driver", "filesystem",
                                 "--driver-param", f"root={store}", "--root", str(tmp_path / "unused"),
                                 "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)
    try:
        peers.wait_ready(f"http://127.0.0.1:{port}", proc, log)
        from specgen.client import RegistryClient

        with RegistryClient(f"http://127.0.0.1:{port}") as registry:
            registry.push_blob("by/param", b"stored where the parameter says")
        assert (store / "repositories" / "by" / "param").is_dir()
        assert not (tmp_path / "unused").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_refuses_unknown_set(tmp_path):
    _refused(serve("--set", "no_such_set", "--root", str(tmp_path / "r"), "--port", str(free_port())),
             "no_such_set", "registry_v2")


@pytest.mark.parametrize("served", SETS, indirect=True)
def test_mount_from_outside_the_name_grammar_is_an_ordinary_upload(served):
    """``from`` is a repository name: a path like ``pub/../priv`` must not reach the blob through the
    filesystem; distribution ignores such a ``from`` and opens an upload session (202)."""
    _, dset, url = served
    data = b"private bytes"
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    assert raw_request(url, "POST", f"/v2/priv/repo/blobs/uploads/?digest={d}", body=data).status == 201
    assert raw_request(url, "POST", "/v2/pub/x/blobs/uploads/").status == 202  # pub/ exists now
    for source in ("pub/../priv/repo", "../repositories/priv/repo", "priv//repo", "PRIV/repo"):
        target = f"/v2/pub/y/blobs/uploads/?mount={d}&from={source}"
        reply = raw_request(url, "POST", target)
        assert reply.status == 202, (source, reply)
        assert not check(dset, "POST", url + target, {}, reply)
    assert raw_request(url, "GET", f"/v2/pub/y/blobs/{d}").status == 404
    assert raw_request(url, "POST", f"/v2/pub/y/blobs/uploads/?mount={d}&from=priv/repo").status == 201


@pytest.mark.parametrize("served", SETS, indirect=True)
def test_longest_names_store_and_list(served):
    """255 characters as one component (the filesystem's limit) or as 128 components both work."""
    _, dset, url = served
    data = b"long"
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    for name in ("l" * 255, "/".join(["l"] * 128)):
        assert len(name) == 255
        target = f"/v2/{name}/blobs/uploads/?digest={d}"
        reply = raw_request(url, "POST", target, body=data)
        assert reply.status == 201, reply
        assert not check(dset, "POST", url + target, {}, reply, data)
        assert raw_request(url, "GET", f"/v2/{name}/blobs/{d}").body == data
        reply = raw_request(url, "GET", f"/v2/{name}/tags/list")
        assert reply.status == 200 and json.loads(reply.body)["tags"] == []


@pytest.mark.parametrize("served", SETS, indirect=True)
@pytest.mark.parametrize("method,target", [
    ("PATCH", "/v2/x/y/blobs/uploads/no-such-upload"),    # the handler refuses
    ("PUT", f"/v2/{LONG}/manifests/t"),                   # the name check refuses
    ("PATCH", "/nowhere"),                                # no route
    ("POST", "/v2/x/y/manifests/t"),                      # undeclared method
])
def test_expect_continue_refused_without_the_body(served, method, target):
    """A client that asks ``Expect: 100-continue`` (curl does for large bodies) and is refused
    gets the final answer at once, not a ``100 Continue`` inviting it to send a body to be
    discarded; the connection is then closed, as the body never came."""
    _, _, url = served
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(f"{method} {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: 50000000\r\n"
                     "Content-Type: application/vnd.oci.image.manifest.v1+json\r\n"
                     "Expect: 100-continue\r\n\r\n".encode())
        resp = HTTPResponse(sock, method=method)
        resp.begin()
        assert resp.status in (400, 404, 405), resp.status
        assert (resp.getheader("connection") or "").lower() == "close"
        resp.read()


@pytest.mark.parametrize("ttl", ["nan", "-5", "0"])
def test_serve_refuses_upload_ttl_that_would_purge_every_upload(tmp_path, ttl):
    _refused(serve("--root", str(tmp_path / "r"), "--port", "0", "--upload-ttl", ttl), "--upload-ttl")
