"""The checker catches one planted registry bug at a time. A fault-injecting proxy (an httpx
transport between the checker and a correct ``specgen serve``) breaks ONE thing in the answers;
each case asserts the run now fails the right check with the right message, and the unbroken proxy
gives no failure at all (no false alarm)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

import httpx
import pytest

from specgen.checker import Status, run
from specgen.descriptors import load_set
from specgen.distribution.digest import digest_of

pytestmark = pytest.mark.interop

Fault = Callable[[httpx.Request, httpx.Response, "FaultProxy"], "httpx.Response | None"]


class FaultProxy(httpx.BaseTransport):
    """Forwards every request to the real server; ``fault`` may replace the answer."""

    def __init__(self, fault: Fault | None = None) -> None:
        self.inner = httpx.HTTPTransport()
        self.fault = fault
        self.hits = 0  # how many answers the fault changed

    def forward(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        return response

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.forward(request)
        changed = self.fault(request, response, self) if self.fault else None
        if changed is None:
            return response
        self.hits += 1
        return changed

    def close(self) -> None:
        self.inner.close()


def rewrite(
    response: httpx.Response,
    *,
    status: int | None = None,
    set_headers: dict[str, str] | None = None,
    drop: tuple[str, ...] = (),
    body: bytes | None = None,
) -> httpx.Response:
    """``response`` with some headers set or dropped, another status or body (Content-Length
    follows a new body unless set explicitly)."""
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in {d.lower() for d in drop}]
    content = response.content if body is None else body
    if body is not None and not (set_headers and "Content-Length" in set_headers):
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"] + [
            ("Content-Length", str(len(content)))
        ]
    for name, value in (set_headers or {}).items():
        headers = [(k, v) for k, v in headers if k.lower() != name.lower()] + [(name, value)]
    return httpx.Response(status or response.status_code, headers=headers, content=content)


def _path(request: httpx.Request) -> str:
    return request.url.path


def _query(request: httpx.Request) -> dict[str, str]:
    return dict(parse_qsl(request.url.query.decode()))


def _is(request, method: str, pattern: str) -> bool:
    return request.method == method and re.search(pattern, _path(request)) is not None


OTHER = digest_of(b"some other content")


# -- the faults -------------------------------------------------------------------------------------


def head_blob_wrong_digest(req, resp, proxy):
    if _is(req, "HEAD", r"/blobs/sha256:") and resp.status_code == 200:
        return rewrite(resp, set_headers={"Docker-Content-Digest": OTHER})
    return None


def head_blob_length_off_by_one(req, resp, proxy):
    if _is(req, "HEAD", r"/blobs/sha256:") and resp.status_code == 200:
        return rewrite(resp, set_headers={"Content-Length": str(int(resp.headers["Content-Length"]) + 1)})
    return None


def head_manifest_wrong_digest(req, resp, proxy):
    if _is(req, "HEAD", r"/manifests/") and resp.status_code == 200:
        return rewrite(resp, set_headers={"Docker-Content-Digest": OTHER})
    return None


def put_upload_wrong_digest(req, resp, proxy):
    if _is(req, "PUT", r"/blobs/uploads/") and resp.status_code == 201:
        return rewrite(resp, set_headers={"Docker-Content-Digest": OTHER})
    return None


def put_upload_wrong_location(req, resp, proxy):
    if _is(req, "PUT", r"/blobs/uploads/") and resp.status_code == 201:
        loc = resp.headers["Location"]
        return rewrite(resp, set_headers={"Location": re.sub(r"sha256:[0-9a-f]+", OTHER, loc)})
    return None


def post_upload_wrong_location(req, resp, proxy):
    if _is(req, "POST", r"/blobs/uploads/$") and resp.status_code == 202:
        loc = resp.headers["Location"]
        return rewrite(resp, set_headers={"Location": loc.replace("/v2/", "/v2/elsewhere/", 1)})
    return None


def patch_range_off_by_one(req, resp, proxy):
    if req.method == "PATCH" and resp.status_code == 202:
        end = int(resp.headers["Range"].split("-")[1])
        return rewrite(resp, set_headers={"Range": f"0-{end + 1}"})
    return None


def tags_page_two_out_of_order(req, resp, proxy):
    if _is(req, "GET", r"/tags/list$") and "last" in _query(req) and resp.status_code == 200:
        doc = json.loads(resp.content)
        if len(doc.get("tags") or []) > 1:
            doc["tags"] = list(reversed(doc["tags"]))
            return rewrite(resp, body=json.dumps(doc).encode())
    return None


def tags_unsorted(req, resp, proxy):
    if _is(req, "GET", r"/tags/list$") and not _query(req) and resp.status_code == 200:
        doc = json.loads(resp.content)
        doc["tags"] = list(reversed(doc["tags"]))
        return rewrite(resp, body=json.dumps(doc).encode())
    return None


def tags_missing_link_on_middle_page(req, resp, proxy):
    if _is(req, "GET", r"/tags/list$") and "last" in _query(req) and "Link" in resp.headers:
        return rewrite(resp, drop=("Link",))
    return None


def tags_link_on_last_page(req, resp, proxy):
    if _is(req, "GET", r"/tags/list$") and "n" in _query(req) and "Link" not in resp.headers:
        return rewrite(resp, set_headers={"Link": f'<{req.url.path}?n=1&last=zzzz>; rel="next"'})
    return None


def catalog_page_out_of_order(req, resp, proxy):
    if _is(req, "GET", r"/_catalog$") and _query(req).get("n") == "2" and resp.status_code == 200:
        doc = json.loads(resp.content)
        doc["repositories"] = list(reversed(doc["repositories"]))
        return rewrite(resp, body=json.dumps(doc).encode())
    return None


def subject_missing(req, resp, proxy):
    if _is(req, "PUT", r"/manifests/") and "OCI-Subject" in resp.headers:
        return rewrite(resp, drop=("OCI-Subject",))
    return None


def _referrers_body(resp, edit) -> httpx.Response:
    doc = json.loads(resp.content)
    for entry in doc.get("manifests") or []:
        edit(entry)
    return rewrite(resp, body=json.dumps(doc).encode())


def referrers_drop_artifact_type(req, resp, proxy):
    if _is(req, "GET", r"/referrers/") and resp.status_code == 200:
        return _referrers_body(resp, lambda e: e.pop("artifactType", None))
    return None


def referrers_drop_annotations(req, resp, proxy):
    if _is(req, "GET", r"/referrers/") and resp.status_code == 200:
        return _referrers_body(resp, lambda e: e.pop("annotations", None))
    return None


def filters_applied_but_not(req, resp, proxy):
    """Answer a filtered request with the unfiltered list, still saying the filter was applied."""
    if _is(req, "GET", r"/referrers/") and "artifactType" in _query(req) and resp.status_code == 200:
        unfiltered = proxy.forward(httpx.Request("GET", req.url.copy_with(query=None), headers=req.headers))
        return rewrite(resp, body=unfiltered.content)
    return None


def filters_applied_without_filter(req, resp, proxy):
    if _is(req, "GET", r"/referrers/") and not _query(req) and resp.status_code == 200:
        return rewrite(resp, set_headers={"OCI-Filters-Applied": "artifactType"})
    return None


def base_without_api_version(req, resp, proxy):
    if _path(req) == "/v2/" and req.method == "GET" and resp.status_code == 200:
        return rewrite(resp, drop=("Docker-Distribution-API-Version",))
    return None


def wrong_error_code(req, resp, proxy):
    if b"BLOB_UNKNOWN" in resp.content and resp.status_code == 404:
        return rewrite(resp, body=resp.content.replace(b"BLOB_UNKNOWN", b"MANIFEST_UNKNOWN"))
    return None


def non_envelope_error(req, resp, proxy):
    if _is(req, "GET", r"/blobs/sha256:") and resp.status_code == 404:
        return rewrite(resp, body=b"404 blob not found\n", set_headers={"Content-Type": "text/plain"})
    return None


def sha256_for_sha512(req, resp, proxy):
    if re.search(r"/manifests/sha512:", _path(req)) and resp.status_code in (200, 201):
        if req.method == "GET":
            return rewrite(resp, set_headers={"Docker-Content-Digest": digest_of(resp.content)})
        if req.method == "PUT":
            return rewrite(resp, set_headers={"Docker-Content-Digest": digest_of(req.content)})
    return None


def oci_tag_drops_one(req, resp, proxy):
    if req.method == "PUT" and "tag=" in str(req.url.query, "ascii") and resp.status_code == 201:
        tags = [t.strip() for t in resp.headers.get("OCI-Tag", "").split(",") if t.strip()]
        return rewrite(resp, set_headers={"OCI-Tag": ", ".join(tags[:-1])})
    return None


def pushed_tag_answers_sha256(req, resp, proxy):
    if _is(req, "HEAD", r"/manifests/pushed-tag-3$") and resp.status_code == 200:
        sha256 = "sha256:" + resp.headers["Docker-Content-Digest"].partition(":")[2][:64]
        return rewrite(resp, set_headers={"Docker-Content-Digest": sha256})
    return None


def get_blob_length_off_by_one(req, resp, proxy):
    if _is(req, "GET", r"/blobs/sha256:") and resp.status_code == 200 and resp.content:
        return rewrite(resp, body=resp.content[:-1], set_headers={"Content-Length": str(len(resp.content) - 1)})
    return None


def ranged_get_wrong_content_range(req, resp, proxy):
    if resp.status_code == 206:
        start, rest = resp.headers["Content-Range"].split(" ")[1].split("-")
        end, size = rest.split("/")
        return rewrite(resp, set_headers={"Content-Range": f"bytes {int(start) + 1}-{int(end) + 1}/{size}"})
    return None


def mount_wrong_digest(req, resp, proxy):
    if _is(req, "POST", r"/blobs/uploads/$") and "mount" in _query(req) and resp.status_code == 201:
        return rewrite(resp, set_headers={"Docker-Content-Digest": OTHER})
    return None


def manifest_put_wrong_location(req, resp, proxy):
    if _is(req, "PUT", r"/manifests/") and resp.status_code == 201:
        return rewrite(resp, set_headers={"Location": "/v2/elsewhere/manifests/" + OTHER})
    return None


def upload_uuid_mismatch(req, resp, proxy):
    if req.method == "PATCH" and resp.status_code == 202:
        return rewrite(resp, set_headers={"Docker-Upload-UUID": "not-this-upload"})
    return None


def completed_upload_still_live(req, resp, proxy):
    if _is(req, "GET", r"/blobs/uploads/.") and resp.status_code == 404:
        return rewrite(resp, status=204, body=b"", set_headers={"Range": "0-0", "Location": req.url.path})
    return None


def blob_visible_in_other_repository(req, resp, proxy):
    if _is(req, "HEAD", r"/never-pushed/blobs/") and resp.status_code == 404:
        return rewrite(resp, status=200, set_headers={"Content-Length": "512",
                                                       "Docker-Content-Digest": req.url.path.rsplit("/", 1)[1]})
    return None


def _swallow_second_tag_put(proxy):
    seen = []

    def handle(request):
        if request.method == "PUT" and request.url.path.endswith("/manifests/oci-image"):
            seen.append(request)
            if len(seen) == 2:  # the move: claim success, keep the old manifest
                proxy.hits += 1
                digest = digest_of(request.content)
                path = request.url.path.rsplit("/", 1)[0] + "/" + digest
                return httpx.Response(201, headers={"Location": path, "Docker-Content-Digest": digest,
                                                    "Content-Length": "0"})
        return FaultProxy.handle_request(proxy, request)

    return handle


def error_body_as_text(req, resp, proxy):
    if resp.status_code == 404 and b'"errors"' in resp.content:
        return rewrite(resp, set_headers={"Content-Type": "text/plain; charset=utf-8"})
    return None


def referrers_duplicate_entry(req, resp, proxy):
    if _is(req, "GET", r"/referrers/") and not _query(req) and resp.status_code == 200:
        doc = json.loads(resp.content)
        doc["manifests"] = doc["manifests"] + doc["manifests"][:1]
        return rewrite(resp, body=json.dumps(doc).encode())
    return None


def catalog_link_on_empty_page(req, resp, proxy):
    if _is(req, "GET", r"/_catalog$") and resp.status_code == 200 and "Link" not in resp.headers:
        return rewrite(resp, set_headers={"Link": '</v2/_catalog?n=1&last=zzzz>; rel="next"'})
    return None


def tags_link_after_the_end(req, resp, proxy):
    if _is(req, "GET", r"/tags/list$") and resp.status_code == 200 and not json.loads(resp.content).get("tags"):
        return rewrite(resp, set_headers={"Link": f'<{req.url.path}?n=2&last=zzzz>; rel="next"'})
    return None


def unsatisfiable_range_whole_blob(req, resp, proxy):
    if resp.status_code == 416 and req.method == "GET" and "/blobs/" in req.url.path:
        whole = proxy.forward(httpx.Request("GET", req.url))
        return rewrite(whole)
    return None


def manifest_get_wrong_content_type(req, resp, proxy):
    if _is(req, "GET", r"/manifests/") and resp.status_code == 200:
        return rewrite(resp, set_headers={"Content-Type": "application/json"})
    return None


def head_manifest_length_off_by_one(req, resp, proxy):
    if _is(req, "HEAD", r"/manifests/") and resp.status_code == 200:
        return rewrite(resp, set_headers={"Content-Length": str(int(resp.headers["Content-Length"]) - 1)})
    return None


def manifest_put_200(req, resp, proxy):
    if _is(req, "PUT", r"/manifests/") and resp.status_code == 201:
        return rewrite(resp, status=200)
    return None


def upload_status_without_range(req, resp, proxy):
    if _is(req, "GET", r"/blobs/uploads/.") and resp.status_code == 204:
        return rewrite(resp, drop=("Range",))
    return None


def api_version_wrong(req, resp, proxy):
    if _path(req) == "/v2/" and resp.status_code == 200:
        return rewrite(resp, set_headers={"Docker-Distribution-API-Version": "registry/1.0"})
    return None


def tags_drop_one(req, resp, proxy):
    if _is(req, "GET", r"/tags/list$") and not _query(req) and resp.status_code == 200:
        doc = json.loads(resp.content)
        doc["tags"] = doc["tags"][1:]
        return rewrite(resp, body=json.dumps(doc).encode())
    return None


def chunk_min_length_garbage(req, resp, proxy):
    if "OCI-Chunk-Min-Length" in resp.headers:
        return rewrite(resp, set_headers={"OCI-Chunk-Min-Length": "-5"})
    return None


def location_on_another_host(req, resp, proxy):
    if _is(req, "POST", r"/blobs/uploads/$") and resp.status_code == 202:
        path = resp.headers["Location"].split("/v2/", 1)[1]
        return rewrite(resp, set_headers={"Location": f"http://registry.invalid/v2/{path}"})
    return None


def referrers_404_though_announced(req, resp, proxy):
    if _is(req, "GET", r"/referrers/") and resp.status_code == 200:
        body = json.dumps({"errors": [{"code": "NAME_UNKNOWN", "message": "repository name not known"}]}).encode()
        return rewrite(resp, status=404, body=body, set_headers={"Content-Type": "application/json"})
    return None


def referrers_not_an_index(req, resp, proxy):
    if _is(req, "GET", r"/referrers/") and resp.status_code == 200:
        doc = json.loads(resp.content)
        doc["mediaType"] = "application/json"
        return rewrite(resp, body=json.dumps(doc).encode())
    return None


@dataclass(frozen=True)
class Case:
    fault: Fault
    groups: tuple[str, ...]  # the groups to run (faster than the whole matrix)
    check: str  # "group / check" pattern (regex) of a check that must fail
    message: str  # regex its message must match


CASES = [
    Case(head_blob_wrong_digest, ("blob-fetch",), r"blob-fetch / HEAD", r"Docker-Content-Digest: sha256:.*expected"),
    Case(head_blob_length_off_by_one, ("blob-fetch",), r"blob-fetch / HEAD", r"Content-Length: \d+, the content has 512"),
    Case(head_manifest_wrong_digest, ("manifest-oci-image",), r"GET and HEAD by tag", r"Docker-Content-Digest"),
    Case(put_upload_wrong_digest, ("blob-post-put",), r"PUT \?digest=", r"Docker-Content-Digest: .*the request named"),
    Case(put_upload_wrong_location, ("blob-post-put",), r"PUT \?digest=", r"Location .* names digest"),
    Case(post_upload_wrong_location, ("blob-post-put",), r"POST opens", r"Location .* names name"),
    Case(patch_range_off_by_one, ("blob-chunked",), r"PATCH first chunk", r"Range: 0-1000, expected 0-999"),
    Case(tags_page_two_out_of_order, ("tags",), r"tags / paginated with n=2", r"page 2 .* not in lexical order"),
    Case(tags_unsorted, ("tags",), r"tags / tags list", r"not in lexical order"),
    Case(tags_missing_link_on_middle_page, ("tags",), r"tags / paginated with n=1", r"page 2 .*has no Link"),
    Case(tags_link_on_last_page, ("tags",), r"tags / paginated with n=2", r"fewer than n=2 entries.*carries a Link"),
    Case(catalog_page_out_of_order, ("catalog",), r"catalog / paginated with n and last", r"gave"),
    Case(subject_missing, ("referrers",), r"referrers / every PUT with a subject", r"no OCI-Subject"),
    Case(referrers_drop_artifact_type, ("referrers",), r"referrers / GET referrers", r"artifactType None"),
    Case(referrers_drop_annotations, ("referrers",), r"referrers / GET referrers", r"annotations None"),
    Case(filters_applied_but_not, ("referrers",), r"referrers / GET referrers filtered", r"other types are listed"),
    Case(filters_applied_without_filter, ("referrers",), r"referrers / GET referrers lists both", r"no filter"),
    Case(base_without_api_version, ("base",), r"base / GET /v2/", r"without Docker-Distribution-API-Version"),
    Case(wrong_error_code, ("blob-delete",), r"the deleted blob is unknown", r"MANIFEST_UNKNOWN"),
    Case(non_envelope_error, ("errors",), r"errors / unknown blob", r"not JSON|errors envelope"),
    Case(sha256_for_sha512, ("manifest-sha512",), r"manifest-sha512 / PUT, GET and HEAD", r"is sha256, but the request named a sha512"),
    Case(oci_tag_drops_one, ("manifest-push-tags",), r"answers OCI-Tag naming each", r"OCI-Tag names"),
    Case(pushed_tag_answers_sha256, ("manifest-push-tags",), r"GET and HEAD by each tag", r"Docker-Content-Digest"),
    Case(get_blob_length_off_by_one, ("blob-post-put",), r"GET returns the blob", r"bytes, not the 1000 pushed"),
    Case(ranged_get_wrong_content_range, ("blob-fetch",), r"GET with Range", r"Content-Range"),
    Case(mount_wrong_digest, ("blob-mount",), r"blob-mount / POST \?mount=&from= mounts", r"the request named"),
    Case(manifest_put_wrong_location, ("manifest-oci-image",), r"PUT by tag", r"Location .* names name"),
    Case(upload_uuid_mismatch, ("blob-chunked",), r"PATCH first chunk", r"Docker-Upload-UUID: not-this-upload"),
    Case(completed_upload_still_live, ("blob-post-put",), r"the completed upload is unknown", r"expected 404"),
    Case(blob_visible_in_other_repository, ("blob-fetch",), r"never pushed to", r"expected 404, got 200"),
    Case(error_body_as_text, ("blob-delete",), r"the deleted blob is unknown", r"Content-Type text/plain"),
    Case(referrers_duplicate_entry, ("referrers",), r"GET referrers lists both", r"exactly the two artifacts"),
    Case(catalog_link_on_empty_page, ("catalog",), r"catalog / paginated with last after every", r"yet a Link"),
    Case(tags_link_after_the_end, ("tags",), r"tags / paginated with last after every tag", r"yet a Link"),
    Case(unsatisfiable_range_whole_blob, ("blob-fetch",), r"unsatisfiable Range", r"expected 416, got 200"),
    Case(manifest_get_wrong_content_type, ("manifest-oci-image",), r"GET and HEAD by tag", r"Content-Type"),
    Case(head_manifest_length_off_by_one, ("manifest-oci-image",), r"GET and HEAD by tag", r"Content-Length: \d+, the content has"),
    Case(manifest_put_200, ("manifest-oci-image",), r"PUT by tag", r"expected 201, got 200"),
    Case(upload_status_without_range, ("blob-chunked",), r"GET upload status", r"Range"),
    Case(api_version_wrong, ("base",), r"base / GET /v2/", r"registry/1.0, expected registry/2.0"),
    Case(tags_drop_one, ("tags",), r"tags / tags list holds", r"expected \["),
    Case(referrers_404_though_announced, ("referrers",), r"GET referrers of the missing subject", r"expected 200, got 404"),
    Case(referrers_not_an_index, ("referrers",), r"GET referrers", r"not an image index"),
    Case(location_on_another_host, ("blob-post-put",), r"POST opens", r"another server"),
    Case(chunk_min_length_garbage, ("blob-chunked",), r"POST opens", r"OCI-Chunk-Min-Length: '-5'"),
]


@pytest.fixture(scope="module")
def server(specgen_server_shared) -> str:
    return specgen_server_shared(set="oci_v1_1")


def _failures(report) -> list[str]:
    return [f"{g.name} / {c.name}: {c.message}" for g in report.groups for c in g.checks if c.status >= Status.FAIL]


def test_unbroken_proxy_gives_no_failure(server):
    proxy = FaultProxy()
    report = run(server, load_set("oci_v1_1"), transport=proxy)
    assert _failures(report) == []
    assert report.counts()["Pass"] > 100


def test_a_tag_that_does_not_move_is_caught(server):
    proxy = FaultProxy()
    proxy.handle_request = _swallow_second_tag_put(proxy)  # type: ignore[method-assign]
    report = run(server, load_set("oci_v1_1"), transport=proxy, only=["manifest-oci-image"], skip=["cleanup"])
    assert proxy.hits == 1
    assert [f for f in _failures(report) if "moves it" in f and "did not return the bytes pushed" in f]


def test_a_delete_that_deletes_nothing_is_caught(server):
    proxy = FaultProxy()
    forward = proxy.handle_request

    def handle(request):
        if request.method == "DELETE" and "/blobs/sha256:" in request.url.path:
            proxy.hits += 1
            return httpx.Response(202, headers={"Content-Length": "0",
                                                "Docker-Content-Digest": request.url.path.rsplit("/", 1)[1]})
        return forward(request)

    proxy.handle_request = handle  # type: ignore[method-assign]
    report = run(server, load_set("oci_v1_1"), transport=proxy, only=["blob-delete"], skip=["cleanup"])
    assert proxy.hits and [f for f in _failures(report) if "the deleted blob is unknown" in f and "expected 404" in f]


@pytest.mark.parametrize("case", CASES, ids=[c.fault.__name__ for c in CASES])
def test_planted_bug_fails_the_right_check(server, case):
    proxy = FaultProxy(case.fault)
    report = run(server, load_set("oci_v1_1"), transport=proxy, only=list(case.groups), skip=["cleanup"])
    assert proxy.hits, "the fault never applied: the case tests nothing"
    failures = _failures(report)
    hit = [f for f in failures if re.search(case.check, f) and re.search(case.message, f)]
    assert hit, f"no failure matches {case.check!r} / {case.message!r}; failures: {failures}"


def _corrupt_layer(req, resp, proxy):
    if _is(req, "GET", r"/blobs/sha256:") and resp.status_code == 200 and len(resp.content) == 128:
        return rewrite(resp, body=bytes(128))  # a layer: same length, other bytes
    return None


def _wrong_manifest_head(req, resp, proxy):
    if _is(req, "HEAD", r"/manifests/sha256:") and resp.status_code == 200:
        return rewrite(resp, set_headers={"Docker-Content-Digest": OTHER})
    return None


@pytest.fixture(scope="module")
def pushed_image(server) -> str:
    pushed = run(server, load_set("oci_v1_1"), only=["manifest-oci-index"], skip=["cleanup"])
    return f"{pushed.repository}:oci-index"


def test_read_only_run_of_the_unbroken_proxy_passes(server, pushed_image):
    assert _failures(run(server, load_set("oci_v1_1"), read_only=pushed_image, transport=FaultProxy())) == []


@pytest.mark.parametrize(("fault", "check", "message"), [
    (_corrupt_layer, "pull-image / every manifest", "bytes that are not the blob"),
    (_wrong_manifest_head, "pull-image / GET and HEAD it by digest", "Docker-Content-Digest"),
])
def test_read_only_run_catches_planted_bugs(server, pushed_image, fault, check, message):
    proxy = FaultProxy(fault)
    failures = _failures(run(server, load_set("oci_v1_1"), read_only=pushed_image, transport=proxy))
    assert proxy.hits
    assert [f for f in failures if check in f and message in f], failures


def test_a_registry_without_referrers_api_is_a_skip_not_a_failure(server):
    """Optional features a registry may decline are Skip with the reason, never Fail: no OCI-Subject
    and a declared 404 for referrers is a registry without the referrers API."""

    def no_referrers(req, resp, proxy):
        return subject_missing(req, resp, proxy) or referrers_404_though_announced(req, resp, proxy)

    proxy = FaultProxy(no_referrers)
    report = run(server, load_set("oci_v1_1"), transport=proxy, only=["referrers"], skip=["cleanup"])
    assert proxy.hits and _failures(report) == []
    group = report.groups[-1]
    assert group.name == "referrers" and group.status == Status.SKIP
    assert "no referrers API" in group.checks[-1].message
