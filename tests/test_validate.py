"""specgen.validate: findings for single exchanges, on the synthetic set and on registry_v2."""

import hashlib
import json

from specgen.checker.validate import Exchange, locate, validate

JSON = {"Content-Type": "application/json"}


def _ex(method, url, status, body=b"", headers=None, request_headers=None, request_body=None):
    headers = dict(headers or {})
    if method != "HEAD":
        headers.setdefault("Content-Length", str(len(body)))
    return Exchange(method, url, request_headers or {}, status, headers, body, request_body)


def _errors(*codes):
    return json.dumps({"errors": [{"code": c, "message": c.lower(), "detail": None} for c in codes]}).encode()


def _messages(findings):
    return [f.message for f in findings]


# -- synthetic set: proves validate assumes nothing about registries --------------------------------


def test_synthetic_success_has_no_findings(synthetic_set):
    body = b'{"widgets": []}'
    ex = _ex("GET", "http://h/api/a/b/widgets?limit=3", 200, body, {"Content-Type": "application/json"})
    assert list(validate(ex, synthetic_set)) == []


def test_synthetic_undeclared_status(synthetic_set):
    findings = list(validate(_ex("PUT", "http://h/api/a/widgets/7", 200), synthetic_set))
    assert len(findings) == 1
    assert findings[0].path == "widget/PUT/Put Widget/200"
    assert "not declared" in findings[0].message and "201" in findings[0].message


def test_synthetic_unknown_route_and_method(synthetic_set):
    [f] = validate(_ex("GET", "http://h/nothing", 200), synthetic_set)
    assert "no route" in f.message
    [f] = validate(_ex("POST", "http://h/api/a/widgets/7", 201), synthetic_set)
    assert "method POST not declared" in f.message


def test_synthetic_route_variables_respect_patterns(synthetic_set):
    target = locate(_ex("PUT", "http://h/api/a/b/widgets/12", 201), synthetic_set)
    assert target.route.name == "widget" and target.variables == {"shelf": "a/b", "id": "12"}
    [f] = validate(_ex("PUT", "http://h/api/a/b/widgets/x1", 201), synthetic_set)
    assert "no route" in f.message


def test_synthetic_error_code_declared_elsewhere(synthetic_set):
    ex = _ex("GET", "http://h/api/a/widgets", 400, _errors("WIDGET_UNKNOWN"), JSON)
    findings = list(validate(ex, synthetic_set))
    assert any("error code 'WIDGET_UNKNOWN' not declared" in m for m in _messages(findings))
    ok = _ex("GET", "http://h/api/a/widgets", 400, _errors("SHELF_INVALID"), JSON)
    assert list(validate(ok, synthetic_set)) == []


def test_synthetic_error_body_not_envelope(synthetic_set):
    ex = _ex("GET", "http://h/api/a/widgets", 400, b'{"error": "bad"}', JSON)
    assert any("not an errors envelope" in m for m in _messages(validate(ex, synthetic_set)))
    ex = _ex("GET", "http://h/api/a/widgets", 400, b"<html>", JSON)
    assert any("not JSON" in m for m in _messages(validate(ex, synthetic_set)))


def test_synthetic_content_length_must_match_body(synthetic_set):
    ex = _ex("GET", "http://h/api/a/widgets", 200, b'{"widgets": []}',
             {"Content-Type": "application/json", "Content-Length": "99"})
    assert any("Content-Length is 99" in m for m in _messages(validate(ex, synthetic_set)))


def test_synthetic_declared_content_type(synthetic_set):
    ex = _ex("GET", "http://h/api/a/widgets", 200, b'{"widgets": []}', {"Content-Type": "text/plain"})
    assert any("Content-Type" in m for m in _messages(validate(ex, synthetic_set)))
    ex = _ex("GET", "http://h/api/a/widgets", 200, b'{"widgets": []}', {})
    assert any("Content-Type is missing" in m for m in _messages(validate(ex, synthetic_set)))


# -- registry_v2 -----------------------------------------------------------------------------------

BASE = "http://127.0.0.1:5000"
DIGEST = "sha256:" + hashlib.sha256(b"hello").hexdigest()
UUID = "4b0c3d0e-2f0f-4a4c-8f3e-0123456789ab"


def test_registry_request_selection(registry_v2):
    post = lambda url, **kw: locate(_ex("POST", BASE + url, 202, **kw), registry_v2).request.name  # noqa: E731
    assert post("/v2/a/b/blobs/uploads/") == "Initiate Resumable Blob Upload"
    assert post(f"/v2/a/blobs/uploads/?digest={DIGEST}", request_body=b"hello") == "Initiate Monolithic Blob Upload"
    assert post(f"/v2/a/blobs/uploads/?mount={DIGEST}&from=b") == "Mount Blob"
    assert post(f"/v2/a/blobs/uploads/?mount={DIGEST}") == "Mount Blob"
    patch = lambda **kw: locate(_ex("PATCH", f"{BASE}/v2/a/blobs/uploads/{UUID}", 202, **kw), registry_v2)  # noqa: E731
    assert patch(request_body=b"x").request.name == "Stream upload"
    assert patch(request_headers={"Content-Range": "0-0", "Content-Length": "1"}, request_body=b"x").request.name == "Chunked upload"
    get = lambda url, **kw: locate(_ex("GET", BASE + url, 200, **kw), registry_v2).request.name  # noqa: E731
    assert get("/v2/a/tags/list") == "Tags"
    assert get("/v2/a/tags/list?n=2") == "Tags Paginated"
    assert get("/v2/_catalog?n=1&last=a") == "Catalog Fetch Paginated"
    assert get(f"/v2/a/blobs/{DIGEST}", request_headers={"Range": "bytes=0-1"}) == "Fetch Blob Part"
    assert get(f"/v2/a/blobs/{DIGEST}") == "Fetch Blob"


def test_registry_routes_in_gorilla_order(registry_v2):
    t = locate(_ex("GET", f"{BASE}/v2/a/blobs/uploads/{UUID}", 204), registry_v2)
    assert t.route.name == "blob-upload-chunk" and t.variables["uuid"] == UUID
    t = locate(_ex("GET", f"{BASE}/v2/library/x/manifests/v1", 200), registry_v2)
    assert t.route.name == "manifest" and t.variables == {"name": "library/x", "reference": "v1"}


def test_registry_initiate_upload_headers(registry_v2):
    good = {"Location": f"{BASE}/v2/a/blobs/uploads/{UUID}", "Range": "0-0", "Docker-Upload-UUID": UUID}
    ex = _ex("POST", f"{BASE}/v2/a/blobs/uploads/", 202, headers=good)
    assert list(validate(ex, registry_v2)) == []
    bad = dict(good, Range="bytes=0-0", Location="uploads/x")
    del bad["Docker-Upload-UUID"]
    msgs = _messages(validate(_ex("POST", f"{BASE}/v2/a/blobs/uploads/", 202, headers=bad), registry_v2))
    assert any("Range" in m and "0-<offset>" in m for m in msgs)
    assert any("Location" in m and "absolute" in m for m in msgs)
    assert any("Docker-Upload-UUID is missing" in m for m in msgs)
    assert len(msgs) == 3


def test_registry_blob_digest_must_match_content(registry_v2):
    url = f"{BASE}/v2/a/blobs/{DIGEST}"
    octets = {"Content-Type": "application/octet-stream"}
    ok = _ex("GET", url, 200, b"hello", {"Docker-Content-Digest": DIGEST, **octets})
    assert list(validate(ok, registry_v2)) == []
    untyped = _ex("GET", url, 200, b"hello", {"Docker-Content-Digest": DIGEST})
    [f] = validate(untyped, registry_v2)
    assert f.severity == "warning" and "declared application/octet-stream" in f.message
    wrong = _ex("GET", url, 200, b"hellO", {"Docker-Content-Digest": DIGEST, **octets})
    [f] = validate(wrong, registry_v2)
    assert f.path == "blob/GET/Fetch Blob/200" and "not the digest of the body" in f.message
    malformed = _ex("GET", url, 200, b"hello", {"Docker-Content-Digest": "SHA256=abc", **octets})
    assert any("digest grammar" in m for m in _messages(validate(malformed, registry_v2)))
    head = _ex("HEAD", url, 200, b"", {"Docker-Content-Digest": DIGEST, "Content-Length": "5"})
    assert list(validate(head, registry_v2)) == []


def test_registry_error_codes_pick_the_declaring_response(registry_v2):
    url = f"{BASE}/v2/a/manifests/{DIGEST}"
    ex = _ex("DELETE", url, 404, _errors("MANIFEST_UNKNOWN"), JSON)
    assert list(validate(ex, registry_v2)) == []
    ex = _ex("DELETE", url, 404, _errors("BLOB_UNKNOWN"), JSON)
    findings = list(validate(ex, registry_v2))
    assert findings and all("BLOB_UNKNOWN" in f.message for f in findings)
    assert findings[0].path.startswith("manifest/DELETE/-/404")


def test_registry_undeclared_status(registry_v2):
    [f] = validate(_ex("DELETE", f"{BASE}/v2/a/manifests/{DIGEST}", 200), registry_v2)
    assert f.path == "manifest/DELETE/-/200" and "202" in f.message


def test_registry_pagination_link(registry_v2):
    body = b'{"name":"a","tags":["x"]}'
    good = _ex("GET", f"{BASE}/v2/a/tags/list?n=1", 200, body,
               {"Content-Type": "application/json", "Link": '</v2/a/tags/list?last=x&n=1>; rel="next"'})
    assert [f for f in validate(good, registry_v2) if f.severity == "error"] == []
    bad = good._replace(response_headers=dict(good.response_headers, Link="/v2/a/tags/list?last=x"))
    assert any("Link" in m for m in _messages(validate(bad, registry_v2)))


def test_registry_upload_complete_content_range_and_length(registry_v2):
    hdrs = {"Location": f"{BASE}/v2/a/blobs/{DIGEST}", "Content-Range": "0-4", "Docker-Content-Digest": DIGEST}
    ex = _ex("PUT", f"{BASE}/v2/a/blobs/uploads/{UUID}?digest={DIGEST}", 201, headers=hdrs)
    assert list(validate(ex, registry_v2)) == []
    ex = ex._replace(response_headers=dict(ex.response_headers, **{"Content-Length": "3"}), body=b"abc")
    assert any("declared 0" in m for m in _messages(validate(ex, registry_v2)))


# -- bodies, HTTP rules, the extension set ----------------------------------------------------------

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def _manifest(**extra):
    doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": DIGEST, "size": 5},
           "layers": []}
    doc.update(extra)
    return json.dumps(doc).encode()


def test_registry_manifest_body_checked_against_its_media_type_schema(registry_v2):
    url = f"{BASE}/v2/a/manifests/latest"
    body = _manifest()
    ok = _ex("GET", url, 200, body, {"Content-Type": OCI_MANIFEST, "Docker-Content-Digest":
                                     "sha256:" + hashlib.sha256(body).hexdigest()})
    assert [f for f in validate(ok, registry_v2) if f.severity == "error"] == []
    bad_body = _manifest(schemaVersion="two")
    bad = ok._replace(body=bad_body, response_headers=dict(ok.response_headers, **{
        "Content-Length": str(len(bad_body)),
        "Docker-Content-Digest": "sha256:" + hashlib.sha256(bad_body).hexdigest()}))
    msgs = _messages(validate(bad, registry_v2))
    assert any("does not match its schema" in m and "schemaVersion" in m for m in msgs)
    odd = ok._replace(response_headers=dict(ok.response_headers, **{"Content-Type": "text/plain"}))
    assert any(f.severity == "warning" and "none of the body's media types" in f.message
               for f in validate(odd, registry_v2))


def test_no_content_length_required_on_204(registry_v2):
    ex = Exchange("GET", f"{BASE}/v2/a/blobs/uploads/{UUID}", {}, 204,
                  {"Range": "0-9", "Docker-Upload-UUID": UUID}, b"")
    assert list(validate(ex, registry_v2)) == []


def test_missing_link_is_only_a_warning(registry_v2):
    body = b'{"name":"a","tags":["x"]}'
    ex = _ex("GET", f"{BASE}/v2/a/tags/list?n=5", 200, body, {"Content-Type": "application/json"})
    [f] = validate(ex, registry_v2)
    assert f.severity == "warning" and "Link" in f.message


def test_head_without_declared_head_is_checked_as_get(registry_v2):
    t = locate(_ex("HEAD", f"{BASE}/v2/a/blobs/{DIGEST}", 200), registry_v2)
    assert t.method.method == "GET" and t.request.name == "Fetch Blob"
    ex = _ex("HEAD", f"{BASE}/v2/a/blobs/{DIGEST}", 404)
    assert list(validate(ex, registry_v2)) == []  # no body to check on a HEAD


def test_oci_request_selection():
    from specgen.descriptors import load_set

    oci = load_set("oci_v1_1")
    post = lambda url, **kw: locate(_ex("POST", BASE + url, 202, **kw), oci).request.name  # noqa: E731
    assert post("/v2/a/blobs/uploads/") == "Initiate Resumable Blob Upload"
    assert post("/v2/a/blobs/uploads/?digest-algorithm=sha512") == "Initiate Resumable Blob Upload"
    assert post(f"/v2/a/blobs/uploads/?mount={DIGEST}") == "Anonymous Mount Blob"
    assert post(f"/v2/a/blobs/uploads/?mount={DIGEST}&from=b") == "Mount Blob"
    t = locate(_ex("HEAD", f"{BASE}/v2/a/manifests/v1", 200), oci)
    assert t.method.method == "HEAD" and t.request.name == "Check Manifest"
    assert locate(_ex("GET", f"{BASE}/v2/a/referrers/{DIGEST}", 200), oci).route.name == "referrers"
    # a 202 for a monolithic POST is declared here (not in registry_v2)
    ex = _ex("POST", f"{BASE}/v2/a/blobs/uploads/?digest={DIGEST}", 202, request_body=b"hello",
             headers={"Location": f"/v2/a/blobs/uploads/{UUID}", "Range": "0-0", "Docker-Upload-UUID": UUID})
    assert [f for f in validate(ex, oci) if f.severity == "error"] == []


def test_ambiguous_request_is_checked_against_the_union(synthetic_set):
    from dataclasses import replace

    route = synthetic_set.routes[0]
    method = route.methods[0]
    twin = replace(method.requests[0], name="List Widgets Again")
    dset = replace(synthetic_set, routes=(replace(route, methods=(replace(method, requests=(
        method.requests[0], twin)),)),) + synthetic_set.routes[1:])
    ex = _ex("GET", "http://h/api/a/widgets?limit=1", 200, b'{"widgets": []}', {"Content-Type": "application/json"})
    findings = list(validate(ex, dset))
    assert [f.severity for f in findings] == ["warning"] and "union" in findings[0].message


def test_partial_content_range_must_cover_the_body(registry_v2):
    url = f"{BASE}/v2/a/blobs/{DIGEST}"
    rng = {"Range": "bytes=1-3"}
    octets = {"Content-Type": "application/octet-stream"}
    ok = _ex("GET", url, 206, b"ell", {"Content-Range": "bytes 1-3/5", **octets}, request_headers=rng)
    assert list(validate(ok, registry_v2)) == []
    short = _ex("GET", url, 206, b"el", {"Content-Range": "bytes 1-3/5", **octets}, request_headers=rng)
    assert any("covers 3 bytes but the body has 2" in m for m in _messages(validate(short, registry_v2)))
    bad = _ex("GET", url, 206, b"ell", {"Content-Range": "1-3", **octets}, request_headers=rng)
    assert any("not a byte content-range" in m for m in _messages(validate(bad, registry_v2)))


def test_router_redirects_are_judged_by_the_router(registry_v2):
    """A path distribution's router redirects (unclean, or the other slash form of a route) is
    answered 301 with the router's Location; the descriptors never see it."""
    ok = _ex("GET", f"{BASE}/v2", 301, headers={"Location": "/v2/", "Content-Length": "0"})
    assert list(validate(ok, registry_v2)) == []
    cleaned = _ex("GET", f"{BASE}/v2/a//b/tags/list", 301, headers={"Location": "/v2/a/b/tags/list"})
    assert list(validate(cleaned, registry_v2)) == []
    wrong = _ex("GET", f"{BASE}/v2/a//b/tags/list", 301, headers={"Location": "/v2/elsewhere"})
    (finding,) = validate(wrong, registry_v2)
    assert finding.severity == "error" and "/v2/a/b/tags/list" in finding.message
    routed = _ex("GET", f"{BASE}/v2/", 301, headers={"Location": "/v2"})
    assert any("301 not declared" in f.message for f in validate(routed, registry_v2))


# -- values the request names: the digest answered must be the one asked for ----------------------

_BLOB = b"hello"
_SHA256 = "sha256:" + hashlib.sha256(_BLOB).hexdigest()
_SHA512 = "sha512:" + hashlib.sha512(_BLOB).hexdigest()


def test_digest_header_is_the_digest_the_request_named(registry_v2):
    url = f"http://r/v2/a/b/blobs/{_SHA512}"
    ok = _ex("HEAD", url, 200, headers={"Content-Length": "5", "Docker-Content-Digest": _SHA512})
    assert [f for f in validate(ok, registry_v2) if f.severity == "error"] == []
    wrong_algorithm = _ex("HEAD", url, 200, headers={"Content-Length": "5", "Docker-Content-Digest": _SHA256})
    assert any("is sha256, but the request named a sha512 digest" in m for m in _messages(validate(wrong_algorithm, registry_v2)))
    other = "sha512:" + hashlib.sha512(b"other").hexdigest()
    wrong = _ex("HEAD", url, 200, headers={"Content-Length": "5", "Docker-Content-Digest": other})
    assert any(f"but the request named {_SHA512}" in m for m in _messages(validate(wrong, registry_v2)))


def test_closing_put_answers_the_digest_of_its_query(registry_v2):
    url = f"http://r/v2/a/blobs/uploads/u1?digest={_SHA256}"
    headers = {"Location": f"/v2/a/blobs/{_SHA256}", "Content-Range": "0-4", "Content-Length": "0"}
    good = _ex("PUT", url, 201, headers={**headers, "Docker-Content-Digest": _SHA256})
    assert [f for f in validate(good, registry_v2) if f.severity == "error"] == []
    bad = _ex("PUT", url, 201, headers={**headers, "Docker-Content-Digest": "sha256:" + "0" * 64})
    assert any("but the request named" in m for m in _messages(validate(bad, registry_v2)))
    # a failed PUT names nothing: its ?digest= was refused
    refused = _ex("PUT", url, 400, _errors("DIGEST_INVALID"), JSON)
    assert [f for f in validate(refused, registry_v2) if f.severity == "error"] == []


def test_an_error_envelope_sent_as_text_is_an_error(registry_v2):
    ex = _ex("GET", f"http://r/v2/a/blobs/{_SHA256}", 404, _errors("BLOB_UNKNOWN"),
             {"Content-Type": "text/plain; charset=utf-8"})
    found = [f for f in validate(ex, registry_v2) if "Content-Type" in f.message]
    assert found and found[0].severity == "error" and "; " not in found[0].message
