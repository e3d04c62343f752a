"""The registry_v2 set against distribution's descriptors at current main.

The golden figure (sha256 of the canonical dump without ``Meta``) runs on any clone; where the oracle
folder exists beside the checkout, a field-by-field diff names every difference.
"""

import hashlib
import json

import pytest
from treediff import json_diff

from specgen.descriptors import load_set
from specgen.descriptors.registry_v2 import errors, routes
from specgen.distribution import grammar
from specgen.dump import canonical_json, dump

GOLDEN_SHA256 = "4683e808bd1531872e755efbb623d28871adc206fd699220c5388b8b2f5619ca"
GOLDEN_SIZE = 103_649


@pytest.fixture(scope="module")
def dset():
    return load_set("registry_v2")


def _walk(dset):
    """(route, method, request, response) for every response, and the requests on the way."""
    for route in dset.routes:
        for method in route.methods or ():
            for request in method.requests or ():
                for response in (request.successes or ()) + (request.failures or ()):
                    yield route, method, request, response


def test_dump_matches_the_golden_figure(dset, oracles):
    data = dump(dset)
    path = oracles / "registry-v2-descriptors.json"
    if path.exists():
        oracle = json.loads(path.read_text(encoding="utf-8"))
        oracle.pop("Meta", None)
        differences = list(json_diff(data, oracle))
        assert not differences, "\n".join(differences[:50])
    blob = canonical_json(data)
    assert (len(blob), hashlib.sha256(blob).hexdigest()) == (GOLDEN_SIZE, GOLDEN_SHA256)


def test_json_diff_names_the_path():
    assert list(json_diff({"a": [{"b": 1}]}, {"a": [{"b": 2}, {}]})) == [
        "$.a[0].b: 1 != 2", "$.a: length 1 != 2"]
    assert list(json_diff({"a": None}, {"a": []})) == ["$.a: None != []"]
    assert list(json_diff({"a": 1}, {"a": True})) == ["$.a: 1 != True"]


def test_counts(dset):
    methods = [m for r in dset.routes for m in r.methods]
    requests = [q for m in methods for q in m.requests]
    responses = [s for q in requests for s in (q.successes or ()) + (q.failures or ())]
    parameters = [
        p
        for q in requests
        for group in (q.headers, q.path_parameters, q.query_parameters)
        for p in group or ()
    ] + [p for s in responses for group in (s.headers, s.fields) for p in group or ()]
    assert (len(dset.routes), len(methods), len(requests), len(responses), len(parameters)) == (
        7, 13, 19, 120, 202)
    assert len(dset.errors) == 20
    assert [g for g, _ in dset.error_groups()] == ["errcode", "registry.api.v2"]
    assert [len(codes) for _, codes in dset.error_groups()] == [6, 14]


def test_routes_in_source_order(dset):
    assert [r.name for r in dset.routes] == [
        "base", "tags", "manifest", "blob", "blob-upload", "blob-upload-chunk", "catalog"]
    assert dset.routes is routes.ROUTE_DESCRIPTORS


def test_shared_descriptors_are_reused_by_identity(dset):
    name_params = [p for _, _, q, _ in _walk(dset) for p in q.path_parameters or () if p.name == "name"]
    assert name_params and all(p is routes.NAME_PARAMETER for p in name_params)
    hosts = [h for _, _, q, _ in _walk(dset) for h in q.headers or () if h.name == "Host"]
    assert hosts and all(h is routes.HOST_HEADER for h in hosts)
    by_status = {401: routes.UNAUTHORIZED_RESPONSE, 403: routes.DENIED_RESPONSE,
                 429: routes.TOO_MANY_REQUESTS_RESPONSE}
    for status, shared in by_status.items():
        found = [s for *_, s in _walk(dset) if s.status_code == status]
        assert found and all(s is shared for s in found), status
    not_found = [s for *_, s in _walk(dset) if s.name == "No Such Repository Error"]
    assert len(not_found) == 16 and all(s is routes.REPOSITORY_NOT_FOUND_RESPONSE for s in not_found)
    paginated = [q for *_, q, _ in _walk(dset) if q.query_parameters and q.query_parameters[0].name == "n"]
    assert paginated and all(q.query_parameters is routes.PAGINATION_PARAMETERS for q in paginated)
    assert routes.INVALID_PAGINATION_RESPONSE in dset.route("catalog").methods[0].requests[1].failures
    error_bodies = [s.body for *_, s in _walk(dset) if s.body.format == routes.ERRORS_BODY]
    assert len(error_bodies) > 20
    digests = [s for *_, s in _walk(dset) for h in s.headers or () if h.name == "Docker-Content-Digest"]
    assert digests and all(routes.DIGEST_HEADER in s.headers for s in digests)


def test_error_codes_are_the_registered_objects(dset):
    registered = set(map(id, dset.errors))
    used = [e for *_, s in _walk(dset) for e in s.error_codes or ()]
    assert used and all(id(e) in registered for e in used)
    assert dset.error("TOOMANYREQUESTS") is errors.TOO_MANY_REQUESTS
    assert errors.BLOB_UPLOAD_INVALID.http_status_code == 404


def test_error_descriptions_keep_go_indentation():
    assert errors.UNAUTHORIZED.description.startswith(
        "The access controller was unable to authenticate\n\t\tthe client.")
    assert errors.MANIFEST_BLOB_UNKNOWN.description.endswith("blob is \n\t\tunknown to the registry.")


def test_paths_are_built_from_the_grammar(dset):
    assert dset.route("manifest").path == (
        "/v2/{name:" + grammar.NAME_REGEXP.go_pattern + "}/manifests/{reference:"
        + grammar.TAG_REGEXP.go_pattern + "|" + grammar.GO_DIGEST_REGEXP.go_pattern + "}")
    mount = dset.route("blob-upload").methods[0].requests[2]
    assert [p.regexp for p in mount.query_parameters] == [grammar.GO_DIGEST_REGEXP, grammar.NAME_REGEXP]


def test_intro_is_read_from_the_package(dset):
    from importlib import resources

    text = resources.files("specgen.descriptors.registry_v2").joinpath("intro.md").read_text("utf-8")
    assert dset.intro == text


def _run(*args, **env):
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "specgen", *args], capture_output=True, timeout=60,
                          env={**os.environ, **env})


def test_cli_dump_is_the_oracle(oracles):
    proc = _run("dump", "registry_v2", "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    blob = canonical_json(data)
    assert hashlib.sha256(blob).hexdigest() == GOLDEN_SHA256
    path = oracles / "registry-v2-descriptors.json"
    if path.exists():
        oracle = json.loads(path.read_text(encoding="utf-8"))
        del oracle["Meta"]
        assert data == oracle
