"""distribution's routes_test.go table (ported to tests/data/router_cases.json) against Router."""

from functools import cache
from urllib.parse import unquote

import oracle_port
import pytest

from specgen.descriptors import load_set
from specgen.distribution.router import Router, clean_path

TABLE = oracle_port.load("router_cases.json")
#: The extension set adds routes after the registry's; the registry's answers must not change.
SETS = ("registry_v2", "oci_v1_1")


@cache
def router(set_name: str, prefix: str = "") -> Router:
    return Router(load_set(set_name), prefix=prefix)


def split(uri):
    path, _, query = uri.partition("?")
    return unquote(path), query


@pytest.mark.parametrize("set_name", SETS)
def test_route_table_matches_upstream_paths(set_name):
    routes = load_set(set_name).routes[: len(TABLE["routes"])]
    assert [[r.name, oracle_port.sha256_text(r.path)] for r in routes] == TABLE["routes"]


def test_ported_table_matches_oracle(oracles):
    if not (oracles / TABLE["oracle"]["file"]).exists():
        pytest.skip("../shared/oracles absent: the ported table is pinned by its own content")
    oracle_port.check_against_oracle("router_cases.json", oracles)


def test_case_count():
    # 18 TestRouter cases run twice (no prefix, /prefix/), 2 path traversals, 2 bad characters
    assert len(TABLE["cases"]) == 18 * 2 + 2 + 2


@pytest.mark.parametrize("set_name", SETS)
@pytest.mark.parametrize("test, prefix, request_uri, route_name, variables, status, expected_uri, deeply",
                         TABLE["cases"], ids=lambda v: v if isinstance(v, str) else None)
def test_router_case(set_name, test, prefix, request_uri, route_name, variables, status, expected_uri, deeply):
    found = router(set_name, prefix).match(*split(request_uri))
    if status == 404:
        assert found is None
        return
    assert found is not None
    assert found.route.name == route_name
    assert (found.redirect or request_uri) == expected_uri
    if deeply:
        assert found.variables == variables
        assert found.redirect is None  # the handler saw the request URI as sent


@pytest.mark.parametrize("set_name", SETS)
@pytest.mark.parametrize("prefix, request_uri, status, route_name, variables, final_uri, hops", TABLE["extras"])
def test_observed_redirects(set_name, prefix, request_uri, status, route_name, variables, final_uri, hops):
    seen, uri = [], request_uri
    for _ in range(5):
        answer = router(set_name, prefix).resolve(*split(uri))
        if answer.status != 301:
            break
        seen.append([uri, answer.location])
        uri = answer.location
    assert seen == hops
    assert answer.status == status
    if status == 200:
        assert uri == final_uri
        assert answer.match.route.name == route_name and answer.match.variables == variables


def test_strict_slash_redirect_carries_the_route():
    answer = router("registry_v2").resolve("/v2/foo/bar/blobs/uploads", "digest=sha256%3Aab")
    assert answer.status == 301 and answer.location == "/v2/foo/bar/blobs/uploads/?digest=sha256%3Aab"
    assert answer.match.route.name == "blob-upload" and answer.match.variables == {"name": "foo/bar"}


def test_prefix_outside_is_404():
    assert router("registry_v2", "/prefix/").resolve("/v2/").status == 404
    assert router("registry_v2", "/prefix/").resolve("/prefix/v2/").status == 200


@pytest.mark.parametrize("path, cleaned", [
    ("", "/"), ("v2", "/v2"), ("/v2//a", "/v2/a"), ("//v2/", "/v2/"), ("/a/../../b/", "/b/"),
    ("/./", "/"), ("/a/./b/.", "/a/b"), ("/..", "/"), ("/a/b/..", "/a"),
])
def test_clean_path_is_gos(path, cleaned):
    assert clean_path(path) == cleaned


def test_location_is_escaped_like_go():
    answer = router("registry_v2").resolve("/v2/不/../foo bar?/tags/list")
    assert answer.status == 301 and answer.location == "/v2/foo%20bar%3F/tags/list"


def test_extension_route():
    found = router("oci_v1_1").match("/v2/a/b/referrers/sha256:" + "0" * 64)
    assert found.route.name == "referrers"
    assert found.variables == {"name": "a/b", "digest": "sha256:" + "0" * 64}
    assert router("registry_v2").match("/v2/a/b/referrers/sha256:" + "0" * 64) is None


def test_synthetic_router(synthetic_set):
    router = Router(synthetic_set)
    found = router.match("/api/top/middle/widgets/42")
    assert found.route.name == "widget" and found.variables == {"shelf": "top/middle", "id": "42"}
    assert router.match("/api/top/widgets").route.name == "widgets"
    answer = router.resolve("/api/top/widgets/")
    assert answer.status == 301 and answer.location == "/api/top/widgets"
    assert router.match("/api/Top/widgets") is None
    prefixed = Router(synthetic_set, prefix="/svc/")
    assert prefixed.match("/svc/api/a/widgets/1").variables == {"shelf": "a", "id": "1"}
    assert prefixed.match("/api/a/widgets/1") is None


def test_bad_characters_long_variant():
    """routes_test.go's non-short variant: /v2/<10 runes>/<10 runes>/tags/list with runes from
    U+00A0..U+02AF or U+4E00..U+9FFF never routes (it is random upstream; seeded here)."""
    import random

    rng = random.Random(20240501)

    def runes(n):
        return "".join(chr(rng.choice([rng.randint(0xA0, 0x2AF), rng.randint(0x4E00, 0x9FFF)])) for _ in range(n))

    r = router("registry_v2")
    for _ in range(1000):
        assert r.match(f"/v2/{runes(10)}/{runes(10)}/tags/list") is None


def test_router_of_pairs_routes_any_objects_in_order():
    """``Router.of``: the same gorilla answers over (object, path) pairs, e.g. the server's table."""
    table = Router.of([("first", "/a/{x:[a-z]+}"), ("second", "/a/{x}"), ("dir", "/d/")])
    assert table.resolve("/a/b").match.route == "first"
    assert table.resolve("/a/7").match.variables == {"x": "7"}
    assert table.resolve("/d").location == "/d/"
    assert table.resolve("/a//b", "q=1").location == "/a/b?q=1"
    assert table.resolve("/nothing").status == 404


@pytest.mark.parametrize("set_name", SETS)
def test_generated_server_routes_with_the_same_router(set_name):
    """The server's route table is matched by Router: its answers are the descriptor router's."""
    import importlib

    from specgen.server.runtime import App

    routes = importlib.import_module(f"specgen._generated.{set_name}.server.routes")
    app = App(routes.ROUTES, routes.ERRORS, object())
    reference = router(set_name)
    uris = [c[2] for c in TABLE["cases"] if not c[1]] + [e[1] for e in TABLE["extras"] if not e[0]]
    assert uris
    for uri in uris:
        ours, theirs = app.router.resolve(*split(uri)), reference.resolve(*split(uri))
        assert (ours.status, ours.location) == (theirs.status, theirs.location), uri
        if theirs.match is not None:
            assert ours.match.route.name == theirs.match.route.name
            assert ours.match.variables == theirs.match.variables
