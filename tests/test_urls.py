"""distribution's urls_test.go and headerparser_test.go (ported to tests/data/url_cases.json)."""

import oracle_port
import pytest

from specgen.descriptors import load_set
from specgen.distribution.reference import with_digest, with_name, with_tag
from specgen.distribution.registry_urls import RegistryURLBuilder
from specgen.distribution.urls import URLBuilder, encode_query, parse_forwarded_header, resolve_path, root_from_request

TABLE = oracle_port.load("url_cases.json")


def test_ported_table_matches_oracle(oracles):
    if not (oracles / TABLE["oracle"]["file"]).exists():
        pytest.skip("../shared/oracles absent: the ported table is pinned by its own content")
    oracle_port.check_against_oracle("url_cases.json", oracles)


def test_counts():
    assert len(TABLE["builder_cases"]) == 11
    assert len(TABLE["variants"]) * len(TABLE["builder_cases"]) == TABLE["expected_output_count"] == 770
    assert len(TABLE["forwarded"]) == 23


def run_case(builder: RegistryURLBuilder, case: dict) -> str:
    method, values = case["method"], case.get("values")
    if method == "BuildBaseURL":
        return builder.base()
    named = with_name(case["name"])
    if method == "BuildTagsURL":
        return builder.tags(named, values)
    if method == "BuildManifestURL":
        return builder.manifest(with_tag(named, case["tag"]) if "tag" in case else named)
    if method == "BuildBlobURL":
        return builder.blob(with_digest(named, case["digest"]))
    if method == "BuildBlobUploadURL":
        return builder.blob_upload(named, values)
    if method == "BuildBlobUploadChunkURL":
        return builder.blob_upload_chunk(named, case["uuid"], values)
    raise AssertionError(method)


def make_builder(variant: dict, set_name: str = "registry_v2") -> RegistryURLBuilder:
    dset = load_set(set_name)
    if "root" in variant:
        return RegistryURLBuilder(variant["root"], variant["relative"], routes=dset)
    if variant["config_root"]:
        return RegistryURLBuilder(variant["config_root"], variant["relative"], routes=dset)
    req = variant["request"]
    return RegistryURLBuilder.from_request(req["url"], req["host"], [tuple(h) for h in req["headers"]],
                                           tls=req["tls"], relative=variant["relative"], routes=dset)


def variant_id(variant: dict) -> str:
    where = variant.get("root") or variant.get("name")
    return f"{variant['test']}-{where}-{'rel' if variant['relative'] else 'abs'}"


@pytest.mark.parametrize("set_name", ["registry_v2", "oci_v1_1"])
@pytest.mark.parametrize("variant", TABLE["variants"], ids=variant_id)
def test_builder_variant(variant, set_name):
    builder = make_builder(variant, set_name)
    for case in TABLE["builder_cases"]:
        if case.get("expectedErr"):
            with pytest.raises(ValueError) as err:
                run_case(builder, case)
            assert str(err.value) == case["expectedErr"]
        else:
            assert run_case(builder, case) == variant["expected_prefix"] + case["expectedPath"], case["description"]


@pytest.mark.parametrize("name, raw, expected, rest, error", TABLE["forwarded"], ids=[r[0] for r in TABLE["forwarded"]])
def test_parse_forwarded_header(name, raw, expected, rest, error):
    if error is not None:
        with pytest.raises(ValueError) as err:
            parse_forwarded_header(raw)
        assert str(err.value) == error
        return
    assert parse_forwarded_header(raw) == (expected or {}, rest)


def test_forwarded_header_other_errors():
    with pytest.raises(ValueError, match=r"^expected '=', not '/' at position 4$"):
        parse_forwarded_header("key /")
    with pytest.raises(ValueError, match=r"^expected ',' or ';', not x at position 8$"):
        parse_forwarded_header('key="v" x')
    with pytest.raises(ValueError, match=r"^invalid escape sequence at position 5$"):
        parse_forwarded_header('key="\\\x01"')


def test_catalog_and_generic_errors():
    b = RegistryURLBuilder("http://r:5000", routes=load_set("registry_v2"))
    assert b.catalog({"n": "5", "last": "a/b"}) == "http://r:5000/v2/_catalog?last=a%2Fb&n=5"
    assert b.manifest("a/b", "sha256:" + "0" * 64).endswith("/v2/a/b/manifests/sha256:" + "0" * 64)
    with pytest.raises(ValueError) as err:
        b.tags("UPPER")
    assert str(err.value).startswith('mux: variable "UPPER" doesn\'t match, expected "^')
    with pytest.raises(ValueError, match='^mux: missing route variable "name"$'):
        b.builder.build("tags")
    with pytest.raises(KeyError):
        b.builder.build("nope")


def test_query_encoding_is_gos():
    assert encode_query([("b", "1"), ("a", "x y"), ("b", "0"), ("c", "é/?&=")]) == "a=x+y&b=1&b=0&c=%C3%A9%2F%3F%26%3D"
    assert encode_query({"k": ["2", "1"]}) == "k=2&k=1"
    assert encode_query(None) == "" and encode_query({}) == ""


@pytest.mark.parametrize("base, ref, resolved", [
    ("/prefix/", "v2/", "/prefix/v2/"), ("", "v2/", "/v2/"), ("/prefix", "v2/", "/v2/"),
    ("/a/", "v2/x/../y", "/a/v2/y"), ("/a/", "v2/u/..", "/a/v2/"), ("/", "v2/../../z", "/z"),
])
def test_resolve_path_is_gos(base, ref, resolved):
    assert resolve_path(base, ref) == resolved


def test_root_from_request_variants():
    assert root_from_request("/prefix/v2/x", "h:1") == "http://h:1/prefix/"
    assert root_from_request("/v2/", "h", tls=True) == "https://h"
    # a Forwarded header that does not parse still hides X-Forwarded-*
    assert root_from_request("/v2/", "h", {"Forwarded": "=bad", "X-Forwarded-Host": "p"}) == "http://h"
    assert root_from_request("/api/v9/", "h", base_path="/v9/") == "http://h/api/"


def test_synthetic_urls(synthetic_set):
    b = URLBuilder(synthetic_set, "https://shop.example/base/")
    assert b.build("widget", {"shelf": "top/middle", "id": "42"}) == "https://shop.example/base/api/top/middle/widgets/42"
    assert b.build("widgets", {"shelf": "a"}, {"limit": "3"}) == "https://shop.example/base/api/a/widgets?limit=3"
    rel = URLBuilder(synthetic_set, "https://shop.example/base/", relative=True)
    assert rel.build("widget", {"shelf": "a/b", "id": "1"}) == "/api/a/b/widgets/1"
    with pytest.raises(ValueError, match="doesn't match"):
        b.build("widget", {"shelf": "A", "id": "1"})


def test_examples():
    import doctest

    import specgen.distribution.registry_urls
    import specgen.distribution.urls

    for module in (specgen.distribution.urls, specgen.distribution.registry_urls):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0


def _request(headers: list[tuple[str, str]], scheme: str = "http"):
    """A runtime Request for GET /v2/ of the oci_v1_1 server stub, as uvicorn would hand it over."""
    import importlib

    from specgen.server.runtime import App, Request

    routes = importlib.import_module("specgen._generated.oci_v1_1.server.routes")
    app = App(routes.ROUTES, routes.ERRORS, object())
    scope = {"type": "http", "method": "GET", "path": "/v2/", "scheme": scheme, "server": ("127.0.0.1", 5000),
             "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]}
    lowered = {k.lower(): v for k, v in headers}
    route = app.routes[0]
    return Request(scope, None, route, route.methods["GET"][0], {}, [], lowered, False, app.url_routes)


@pytest.mark.parametrize("headers, expected", [
    ([("Host", "r.example:5000")], "http://r.example:5000"),
    ([("Host", "r"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "pub.example, inner")],
     "https://pub.example"),
    ([("Host", "r"), ("Forwarded", 'for=1.2.3.4;proto=https;host="pub.example:8443"'),
      ("X-Forwarded-Host", "ignored")], "https://pub.example:8443"),
    # the first header line counts, as with Go's Header.Get
    ([("Host", "r"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Proto", "http")], "https://r"),
    # nothing that cannot stand in a URL reaches a Location: our own host instead
    ([("Host", "evil.example\r\nSet-Cookie: x")], "http://127.0.0.1:5000"),
    ([("Host", "r"), ("X-Forwarded-Host", "evil/path")], "http://r"),
    ([("Host", "r"), ("Forwarded", 'host="a b"')], "http://r"),
    ([("Host", "r"), ("X-Forwarded-Proto", "java script")], "http://r"),
])
def test_request_base_url_honours_proxies(headers, expected):
    assert _request(headers).base_url == expected


def test_request_urls_build_locations_by_route_name():
    from specgen.distribution.reference import parse

    request = _request([("Host", "r"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "pub.example")])
    digest = "sha256:" + "0" * 64
    assert request.urls.blob("team/app", digest) == f"https://pub.example/v2/team/app/blobs/{digest}"
    assert request.urls.manifest(parse("team/app:v1")) == "https://pub.example/v2/team/app/manifests/v1"
    assert request.urls.blob_upload_chunk("team/app", "u-1") == "https://pub.example/v2/team/app/blobs/uploads/u-1"
    assert request.urls is request.urls  # one builder per request
