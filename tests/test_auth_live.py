"""``specgen serve`` with htpasswd and with token auth over TLS, ``specgen token-server``, and
Debian's docker-registry trusting our issuer: the project's client pushes and pulls, a pull-only
account is refused, mounts respect what the caller may pull, mutual TLS, and the checker's auth
group on each registry."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import time

import httpx
import peers
import pytest
from auth_peers import USERS, auth_world, docker_registry_token  # noqa: F401 - the fixture

from specgen.client import RegistryClient
from specgen.client import errors as client_errors

pytestmark = [pytest.mark.slow, pytest.mark.interop]


def _client(world, url, user=None):
    creds = {"username": user, "password": USERS[user]} if user else {}
    return RegistryClient(url, verify=str(world.tls.ca), retries=0,  # the CA of our servers and realm
                          chunk_size=4096, monolithic_threshold=2048, **creds)


@pytest.fixture(scope="module")
def token_docker_registry(auth_world):  # noqa: F811
    return docker_registry_token(auth_world)


@pytest.mark.parametrize("mode", ["basic", "token", "docker-registry-token"])
def test_project_client_push_pull_and_pull_only_refused(auth_world, token_docker_registry, mode):  # noqa: F811
    url = {"basic": auth_world.basic_url, "token": auth_world.token_registry_url,
           "docker-registry-token": token_docker_registry}[mode]
    data = os.urandom(10_000)
    with _client(auth_world, url, "alice") as alice:
        digest = alice.push_blob("team/app", data)
        assert alice.pull_blob("team/app", digest) == data
    with _client(auth_world, url, "bob") as bob:
        assert bob.pull_blob("team/app", digest) == data
        with pytest.raises(client_errors.APIError) as info:
            bob.push_blob("team/app", b"not allowed")
        # basic auth knows the user: 403 DENIED; a token registry answers 401 insufficient_scope
        assert (info.value.status, info.value.code) == ((403, "DENIED") if mode == "basic" else (401, "UNAUTHORIZED"))
    with _client(auth_world, url) as anonymous, pytest.raises(client_errors.ClientError):
        anonymous.pull_blob("team/app", digest)


def test_wrong_password_is_401_without_echo(auth_world):  # noqa: F811
    ca = ssl.create_default_context(cafile=str(auth_world.tls.ca))
    r = httpx.get(auth_world.basic_url + "/v2/", auth=("alice", "guess-123"), verify=ca)
    assert r.status_code == 401 and r.headers["www-authenticate"] == 'Basic realm="specgen"'
    assert "guess-123" not in r.text
    r = httpx.get(auth_world.token_url, params={"service": "specgen-test-registry"}, auth=("alice", "guess-123"),
                  verify=ca)
    assert r.status_code == 401 and "guess-123" not in r.text


def test_mount_only_from_repositories_the_caller_may_pull(auth_world):  # noqa: F811
    """carol may push to carol/**, pull nothing else: a mount from team/app or an anonymous mount
    of its blob opens an upload (202) instead of linking it (201); alice's mount links it."""
    data = os.urandom(3000)
    with _client(auth_world, auth_world.basic_url, "alice") as alice:
        digest = alice.push_blob("team/secret", data)
    verify = ssl.create_default_context(cafile=str(auth_world.tls.ca))
    for user, query, status in (("carol", f"mount={digest}&from=team/secret", 202),
                                ("carol", f"mount={digest}", 202),
                                ("alice", f"mount={digest}&from=team/secret", 201),
                                ("alice", f"mount={digest}", 201)):
        r = httpx.post(f"{auth_world.basic_url}/v2/{user}/copy/blobs/uploads/?{query}",
                       auth=(user, USERS[user]), verify=verify)
        assert r.status_code == status, (user, query, r.text)
    r = httpx.get(f"{auth_world.basic_url}/v2/carol/copy/blobs/{digest}", auth=("carol", USERS["carol"]), verify=verify)
    assert r.status_code == 404


def test_anonymous_pull_where_the_rules_offer_it(auth_world):  # noqa: F811
    data = os.urandom(500)
    for url in (auth_world.basic_url, auth_world.token_registry_url):
        with _client(auth_world, url, "alice") as alice:
            digest = alice.push_blob("public/thing", data)
        with _client(auth_world, url) as anonymous:
            assert anonymous.pull_blob("public/thing", digest) == data


def test_mutual_tls(auth_world, tmp_path):  # noqa: F811
    """--tls-client-ca: a client with a certificate the CA signed is served, one without is not."""
    tls = auth_world.tls
    with_cert = ssl.create_default_context(cafile=str(tls.ca))
    with_cert.load_cert_chain(str(tls.client.cert), str(tls.client.key))
    port = peers.free_port()
    url = f"https://127.0.0.1:{port}"
    proc, log = peers._spawn([sys.executable, "-m", "specgen", "serve", "--root", str(tmp_path / "root"),
                              "--port", str(port), *auth_world.tls_args(), "--tls-client-ca", str(tls.ca)], tmp_path)
    try:
        deadline = time.monotonic() + 30
        while True:  # ready when a client with its certificate is answered
            try:
                r = httpx.get(url + "/v2/", verify=with_cert)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        assert r.status_code == 200
        with pytest.raises(httpx.HTTPError):  # no client certificate: the handshake fails
            httpx.get(url + "/v2/", verify=ssl.create_default_context(cafile=str(tls.ca)))
    finally:
        peers.stop_process(proc)


def _check(url, user, world, *, pull_user="bob", insecure=True, stdin=False):
    """``specgen check --only auth``; the password from SPECGEN_CHECK_PASSWORD or stdin, never argv."""
    env = {**os.environ} if stdin else {**os.environ, "SPECGEN_CHECK_PASSWORD": USERS[user]}
    if pull_user:
        env.update(SPECGEN_CHECK_PULL_USER=pull_user, SPECGEN_CHECK_PULL_PASSWORD=USERS[pull_user])
    argv = [sys.executable, "-m", "specgen", "check", url, "--user", user, "--only", "auth", "--no-coverage",
            "--json", str(world.workdir / "check.json")]
    if insecure:
        argv.append("--insecure")
    if stdin:
        argv.append("--password-stdin")
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120,
                          input=USERS[user] + "\n" if stdin else None)
    report = json.loads((world.workdir / "check.json").read_text())
    checks = {c["name"]: c for g in report["groups"] if g["name"] == "auth" for c in g["checks"]}
    for secret in USERS.values():
        assert secret not in proc.stdout + proc.stderr + (world.workdir / "check.json").read_text()
    return proc, checks


@pytest.mark.parametrize("mode", ["basic", "token"])
def test_checker_auth_group_passes_against_specgen(auth_world, mode):  # noqa: F811
    url = auth_world.basic_url if mode == "basic" else auth_world.token_registry_url
    proc, checks = _check(url, "alice", auth_world, stdin=mode == "basic")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert checks["a pull-only account may pull, not push or delete (403 DENIED)"]["status"] == "Pass"
    assert checks["no password or token in any response"]["status"] == "Pass"
    if mode == "token":
        assert checks["the realm answers a token (token_auth set)"]["status"] == "Pass"
        assert checks["anonymous pull, where offered"]["status"] == "Skip"  # the checker's repo is not public/**
    # without credentials the group is a Skip, not a failure
    proc = subprocess.run([sys.executable, "-m", "specgen", "check", url, "--only", "auth", "--insecure"],
                          capture_output=True, text=True, timeout=60, env={**os.environ})
    if mode == "basic":  # /v2/ needs credentials: the preflight says so
        assert proc.returncode == 2 and "requires authentication" in proc.stderr
    else:  # an anonymous token opens /v2/ (as with distribution): the run goes on, auth is a Skip
        assert proc.returncode == 0 and "SKIP  auth" in proc.stdout, proc.stdout + proc.stderr


def test_checker_auth_group_reports_on_docker_registry(auth_world, token_docker_registry, docker_registry_htpasswd):  # noqa: F811
    # other groups' findings on docker-registry (its known deviations) are not this test's concern
    proc, checks = _check(token_docker_registry, "alice", auth_world)
    assert checks["the realm answers a token (token_auth set)"]["status"] == "Pass", proc.stdout
    assert checks["the token is accepted on the retried request and reused"]["status"] == "Pass"
    assert checks["every 401 carries a challenge; Bearer scopes match the request (scope.md)"]["status"] == "Pass"
    assert checks["401 with a challenge for a malformed and a tampered (expired) token"]["status"] == "Pass"
    pull_only = checks["a pull-only account may pull, not push or delete (403 DENIED)"]
    assert pull_only["status"] == "Pass" and "insufficient_scope" in pull_only["message"]
    # docker-registry's htpasswd auth authenticates but does not authorize: a second account may
    # push, which the group reports as a failure of that check alone
    url, user, password = docker_registry_htpasswd
    env = {**os.environ, "SPECGEN_CHECK_PASSWORD": password, "SPECGEN_CHECK_PULL_USER": user,
           "SPECGEN_CHECK_PULL_PASSWORD": password}
    proc = subprocess.run([sys.executable, "-m", "specgen", "check", url, "--user", user, "--only", "auth",
                           "--json", str(auth_world.workdir / "dr.json")], capture_output=True, text=True, env=env,
                          timeout=120)
    report = json.loads((auth_world.workdir / "dr.json").read_text())
    statuses = {c["name"]: c["status"] for g in report["groups"] for c in g["checks"]}
    assert statuses["unauthenticated GET /v2/ is challenged (RFC 7235 grammar)"] == "Pass"
    assert statuses["401 with a challenge for a wrong password"] == "Pass"
    assert statuses["every 401 carries a challenge; Bearer scopes match the request (scope.md)"] == "Pass"
    assert statuses["a pull-only account may pull, not push or delete (403 DENIED)"] == "Fail"
    assert statuses["no password or token in any response"] == "Pass"
