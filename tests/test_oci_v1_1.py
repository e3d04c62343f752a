"""The extension set oci_v1_1: what it adds to registry_v2, and that registry_v2 stays untouched."""

import hashlib
import re
from dataclasses import replace
from pathlib import Path

import pytest

from specgen.descriptors import BUNDLED, load_set
from specgen.descriptors.oci_v1_1 import routes as oci
from specgen.descriptors.registry_v2 import errors, schemas
from specgen.descriptors.registry_v2 import routes as v2
from specgen.distribution import grammar
from specgen.dump import canonical_json, dump
from specgen.goregexp import go_to_python
from specgen.lint import ERROR, lint, path_variables
from specgen.model import BodyDescriptor

#: Headings of the OCI Distribution Specification the extension cites (pinned, so the citation
#: check runs without ../shared; with it, they are checked against the document itself).
CITED_SECTIONS = {
    "Checking if content exists in the registry", "Deleting Manifests", "Listing Referrers",
    "Listing Tags", "Mounting a blob from another repository", "Pulling blobs", "Pulling manifests",
    "Push", "Pushing Manifests", "Pushing Manifests with Subject", "Pushing a blob in chunks",
    "Pushing a blob monolithically", "Pushing blobs", "Registry Proxying", "Error Codes", "API",
}
#: ``[OCI: Section]`` for what v1.1 says, ``[OCI main: Section]`` for what main added after it.
CITATION = re.compile(r"\[OCI(?: main)?: ([^\]]+)\]")
MAIN_CITATION = re.compile(r"\[OCI main: ([^\]]+)\]")

SHA512 = "sha512:" + "ab" * 64
SHA256 = "sha256:" + "cd" * 32


@pytest.fixture(scope="module")
def dset():
    return load_set("oci_v1_1")


def _request(dset, route, verb, name=""):
    method = next(m for m in dset.route(route).methods if m.method == verb)
    return next(r for r in method.requests if r.name == name)


def _header(response, name):
    return next(h for h in response.headers or () if h.name == name)


def _match(route, url_path):
    """Match a URL path against a route's gorilla template (a tiny stand-in for the router)."""
    pattern, rest = "", route.path
    for name, var in path_variables(route.path):
        head, _, rest = rest.partition("{" + name + ":" + var + "}")
        pattern += re.escape(head) + f"(?P<{name}>{go_to_python(var)})"
    m = re.fullmatch(pattern + re.escape(rest), url_path, re.ASCII)
    return m and m.groupdict()


def _descriptions(dset):
    for route in dset.routes:
        yield route.description
        for method in route.methods:
            yield method.description
            for request in method.requests:
                yield request.description
                params = [*(request.headers or ()), *(request.path_parameters or ()),
                          *(request.query_parameters or ())]
                for response in (request.successes or ()) + (request.failures or ()):
                    yield response.description
                    params += [*(response.headers or ())]
                yield from (p.description for p in params)


def test_bundled_and_lints_clean(dset):
    assert BUNDLED[0] == "registry_v2" and {"oci_v1_1", "token_auth"} <= set(BUNDLED)
    findings = list(lint(dset))
    assert [f for f in findings if f.level == ERROR] == []
    # the same status mismatches registry_v2 carries, and no new ones
    assert [str(f) for f in findings] == [str(f) for f in lint(load_set("registry_v2"))]


def test_registry_v2_is_untouched():
    blob = canonical_json(dump(load_set("registry_v2")))
    assert hashlib.sha256(blob).hexdigest() == "4683e808bd1531872e755efbb623d28871adc206fd699220c5388b8b2f5619ca"
    assert [m.method for m in v2.MANIFEST.methods] == ["GET", "PUT", "DELETE"]
    assert v2.ROUTE_DESCRIPTORS[-1] is v2.CATALOG


def _without_retry_after(route):
    """``route`` with oci_v1_1's 429 answer (registry_v2's plus Retry-After) put back to v2's, and
    without its 503 (an unavailable storage, which registry_v2 never lists)."""
    def request(q):
        failures = tuple(v2.TOO_MANY_REQUESTS_RESPONSE if f is oci.TOO_MANY_REQUESTS_RESPONSE else f
                         for f in q.failures or () if f.status_code != 503)
        return replace(q, failures=failures or None)
    return replace(route, methods=tuple(replace(m, requests=tuple(map(request, m.requests))) for m in route.methods))


def test_reuses_registry_v2_by_reference(dset):
    # base and catalog are registry_v2's but for the 429 answer, which main gives a Retry-After
    assert _without_retry_after(dset.routes[0]) == v2.BASE
    assert _without_retry_after(dset.route("catalog")) == v2.CATALOG
    base_failures = dset.routes[0].methods[0].requests[0].failures
    assert all(f is v2.UNAUTHORIZED_RESPONSE or f is oci.TOO_MANY_REQUESTS_RESPONSE or f in
               v2.BASE.methods[0].requests[0].failures for f in base_failures)
    too_many = [s for r in dset.routes for m in r.methods for q in m.requests
                for s in q.failures or () if s.status_code == 429]
    assert len(too_many) == 21 and all(_header(s, "Retry-After") is oci.RETRY_AFTER_HEADER for s in too_many)
    unavailable = [(r.name, s) for r in dset.routes for m in r.methods for q in m.requests
                   for s in q.failures or () if s.status_code == 503]
    assert len(unavailable) == 22 and "base" not in {name for name, _ in unavailable}
    assert all([e.value for e in s.error_codes] == ["UNAVAILABLE"] and _header(s, "Retry-After")
               for _, s in unavailable)
    heads = [s for r in dset.routes for m in r.methods if m.method == "HEAD" for q in m.requests
             for s in q.failures or () if s.status_code == 429]
    assert len(heads) == 2 and all(s.body.format == "" for s in heads)  # bodiless, Retry-After all the same
    assert oci.TOO_MANY_REQUESTS_RESPONSE.headers[:-1] == v2.TOO_MANY_REQUESTS_RESPONSE.headers
    assert dset.errors is errors.ERROR_DESCRIPTORS
    assert dset.grammar is grammar.GRAMMAR and dset.schemas is schemas.SCHEMAS
    stream = _request(dset, "blob-upload-chunk", "PATCH", "Stream upload")
    v2_stream = _request(load_set("registry_v2"), "blob-upload-chunk", "PATCH", "Stream upload")
    assert stream.headers is v2_stream.headers and stream.successes is v2_stream.successes
    assert all(a is b for a, b in zip(stream.failures, v2_stream.failures) if a.status_code != 429)
    names = [p for r in dset.routes for m in r.methods for q in m.requests
             for p in q.path_parameters or () if p.name == "name"]
    assert len(names) == 20 and all(p is v2.NAME_PARAMETER for p in names)
    unauthorized = [s for r in dset.routes for m in r.methods if m.method != "HEAD"
                    for q in m.requests for s in q.failures or () if s.status_code == 401]
    assert all(s is v2.UNAUTHORIZED_RESPONSE for s in unauthorized)


def test_counts(dset):
    methods = [m for r in dset.routes for m in r.methods]
    requests = [q for m in methods for q in m.requests]
    responses = [s for q in requests for s in (q.successes or ()) + (q.failures or ())]
    assert (len(dset.routes), len(methods), len(requests), len(responses)) == (8, 16, 23, 177)
    assert [r.name for r in dset.routes] == [r.name for r in v2.ROUTE_DESCRIPTORS] + ["referrers"]


@pytest.mark.parametrize("route", ["manifest", "blob"])
def test_explicit_head(dset, route):
    verbs = [m.method for m in dset.route(route).methods]
    assert "HEAD" in verbs and verbs.index("HEAD") == verbs.index("GET") + 1
    (head,) = next(m for m in dset.route(route).methods if m.method == "HEAD").requests
    get = _request(dset, route, "GET", {"manifest": "", "blob": "Fetch Blob"}[route])
    assert head.name == {"manifest": "Check Manifest", "blob": "Check Blob"}[route]
    assert head.path_parameters == get.path_parameters and head.headers == get.headers
    for got, heads in ((get.successes, head.successes), (get.failures, head.failures)):
        assert [s.status_code for s in got] == [s.status_code for s in heads]
        assert [s.error_codes for s in got] == [s.error_codes for s in heads]
        assert all(s.body == BodyDescriptor() for s in heads)
    ok = head.successes[0]
    assert ok.status_code == 200
    assert {"Docker-Content-Digest", "Content-Length"} <= {h.name for h in ok.headers}
    assert "[OCI: Checking if content exists in the registry]" in dset.route(route).methods[1].description


def test_head_failures_stay_shared(dset):
    heads = [m.requests[0] for r in dset.routes for m in r.methods if m.method == "HEAD"]
    unauthorized = {id(s) for q in heads for s in q.failures if s.status_code == 401}
    assert len(unauthorized) == 1


def test_referrers_api(dset):
    route = dset.route("referrers")
    assert _match(route, f"/v2/library/hello-world/referrers/{SHA256}") == {
        "name": "library/hello-world", "digest": SHA256}
    assert _match(route, "/v2/a/b/referrers/not-a-digest") is None
    (request,) = route.methods[0].requests
    assert [p.name for p in request.query_parameters] == ["artifactType"]
    assert request.query_parameters[0].required is False
    (ok,) = request.successes
    assert ok.status_code == 200
    assert ok.body.content_type == "application/vnd.oci.image.index.v1+json"
    assert _header(ok, "Content-Type").format == "application/vnd.oci.image.index.v1+json"
    assert _header(ok, "OCI-Filters-Applied").format == "artifactType"
    assert _header(ok, "Link") is oci.LINK_HEADER
    bad = request.failures[0]
    assert (bad.status_code, [e.value for e in bad.error_codes]) == (400, ["NAME_INVALID", "DIGEST_INVALID"])


def test_oci_subject_on_manifest_put(dset):
    created = _request(dset, "manifest", "PUT").successes[0]
    assert created.status_code == 201
    assert _header(created, "OCI-Subject") is oci.OCI_SUBJECT_HEADER
    failures = _request(dset, "manifest", "PUT").failures
    assert errors.MANIFEST_BLOB_UNKNOWN in failures[0].error_codes
    assert 413 in [f.status_code for f in failures]


def test_missing_manifest_is_manifest_unknown(dset):
    for verb, name in (("GET", ""), ("HEAD", "Check Manifest")):
        failures = _request(dset, "manifest", verb, name).failures
        codes = [(f.status_code, [e.value for e in f.error_codes]) for f in failures]
        assert (404, ["MANIFEST_UNKNOWN"]) in codes


def test_anonymous_mount(dset):
    anonymous = _request(dset, "blob-upload", "POST", "Anonymous Mount Blob")
    assert [(p.name, p.required) for p in anonymous.query_parameters] == [("mount", True)]
    named = _request(dset, "blob-upload", "POST", "Mount Blob")
    assert [(p.name, p.required) for p in named.query_parameters] == [("mount", True), ("from", True)]
    for request in (anonymous, named):
        assert [s.status_code for s in request.successes] == [201, 202]
        assert _header(request.successes[0], "Docker-Content-Digest") is v2.DIGEST_HEADER
    # requests of one method are told apart by their required query parameters
    post = next(m for m in dset.route("blob-upload").methods if m.method == "POST")
    keys = [frozenset(p.name for p in r.query_parameters or () if p.required) for r in post.requests]
    assert len(set(keys)) == len(keys)


def test_sha512_digests(dset):
    blob = dset.route("blob")
    assert _match(blob, f"/v2/a/blobs/{SHA512}") == {"name": "a", "digest": SHA512}
    assert _match(dset.route("manifest"), f"/v2/a/manifests/{SHA512}")["reference"] == SHA512
    digest_params = [p for r in dset.routes for m in r.methods for q in m.requests
                     for p in [*(q.path_parameters or ()), *(q.query_parameters or ())]
                     if p.name in ("digest", "mount")]
    assert len(digest_params) == 9 and all("sha512" in p.description for p in digest_params)
    algorithm = _request(dset, "blob-upload", "POST", "Initiate Resumable Blob Upload").query_parameters[0]
    assert algorithm.name == "digest-algorithm" and algorithm.regexp.fullmatch("sha512")
    assert not algorithm.regexp.fullmatch("SHA-512")


def test_out_of_order_chunks_are_416_range_invalid(dset):
    chunked = _request(dset, "blob-upload-chunk", "PATCH", "Chunked upload")
    close = _request(dset, "blob-upload-chunk", "PUT")
    for request in (chunked, close):
        (range_invalid,) = [f for f in request.failures if f.status_code == 416]
        assert range_invalid is oci.RANGE_INVALID_RESPONSE
        assert range_invalid.error_codes == (errors.RANGE_INVALID,)
    content_range = _header(chunked, "Content-Range")
    assert content_range.required and content_range.regexp.search("0-1023")
    assert not content_range.regexp.search("bytes 0-1023") and not content_range.regexp.search("0-1\n")
    assert _header(close, "Content-Range").required is False
    assert errors.SIZE_INVALID in close.failures[0].error_codes


def test_chunk_min_length_on_upload_sessions(dset):
    post = next(m for m in dset.route("blob-upload").methods if m.method == "POST")
    sessions = [s for r in post.requests for s in r.successes if s.status_code == 202]
    assert len(sessions) == 4 and all(s is oci.UPLOAD_SESSION_RESPONSE for s in sessions)
    assert _header(oci.UPLOAD_SESSION_RESPONSE, "OCI-Chunk-Min-Length").type == "integer"
    status = _request(dset, "blob-upload-chunk", "GET").successes[0]
    assert [h.name for h in status.headers][:2] == ["Location", "Range"]


def test_tag_list_pagination(dset):
    paginated = _request(dset, "tags", "GET", "Tags Paginated")
    n, last = paginated.query_parameters
    assert n.regexp.search("0") and n.regexp.search("100") and not n.regexp.search("-1")
    assert not n.regexp.search("ten")
    assert last.regexp.fullmatch("v1.2.3") and not last.regexp.fullmatch("-bad")
    assert "zero" in n.description and "not included" in last.description
    assert _header(paginated.successes[0], "Link") is oci.LINK_HEADER
    assert "lexical" in next(m for m in dset.route("tags").methods).description
    assert paginated.failures[0] is v2.INVALID_PAGINATION_RESPONSE


def test_every_citation_names_a_section(dset, oracles):
    cited = {c for text in _descriptions(dset) for c in CITATION.findall(text)}
    source = Path(oci.__file__).read_text(encoding="utf-8")
    cited |= {c for line in source.splitlines() if line.lstrip().startswith("#")
              for c in CITATION.findall(line)}
    cited |= set(CITATION.findall(dset.intro))
    assert cited == CITED_SECTIONS
    spec = oracles / "oci-distribution-spec.md"
    if spec.exists():
        headings = {m.group(1).strip() for m in re.finditer(r"^#+ (.+)$", spec.read_text("utf-8"), re.M)}
        assert cited <= headings, cited - headings


def test_every_added_descriptor_cites_the_spec(dset):
    """Routes, methods and requests that registry_v2 lacks say where they come from."""
    v2_requests = {id(q) for r in v2.ROUTE_DESCRIPTORS for m in r.methods for q in m.requests}
    v2_names = {(r.name, m.method, q.name) for r in v2.ROUTE_DESCRIPTORS for m in r.methods for q in m.requests}
    added = [(r, m, q) for r in dset.routes for m in r.methods for q in m.requests
             if (r.name, m.method, q.name) not in v2_names]
    assert [(r.name, m.method, q.name) for r, m, q in added] == [
        ("manifest", "HEAD", "Check Manifest"), ("blob", "HEAD", "Check Blob"),
        ("blob-upload", "POST", "Anonymous Mount Blob"), ("referrers", "GET", "List Referrers")]
    for r, m, q in added:
        assert id(q) not in v2_requests
        assert CITATION.search(m.description + q.description), (r.name, m.method)


def test_error_codes_of_the_spec_are_registered(dset):
    """The spec's error code table (section "Error Codes") holds no code distribution lacks."""
    spec_codes = ["BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "DIGEST_INVALID",
                  "MANIFEST_BLOB_UNKNOWN", "MANIFEST_INVALID", "MANIFEST_UNKNOWN", "NAME_INVALID",
                  "NAME_UNKNOWN", "SIZE_INVALID", "UNAUTHORIZED", "DENIED", "UNSUPPORTED", "TOOMANYREQUESTS"]
    for code in spec_codes:
        assert dset.error(code).value == code


def test_cli_lint_and_dump(capsys):
    from specgen.cli import main

    assert main(["lint", "oci_v1_1"]) == 0
    capsys.readouterr()
    assert main(["dump", "oci_v1_1", "--compact"]) == 0
    assert '"Name":"referrers"' in capsys.readouterr().out.replace(" ", "")
