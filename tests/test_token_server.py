"""The token service (``specgen token-server``: the ``token_auth`` set's generated stub with
``specgen.auth.issuer.TokenService``) in process: every answer validated against the set's own
descriptors, the grants following the rules, the OAuth2 grants, and its tokens accepted by the
registry's access controller."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import auth_material
import httpx
import jwt
import pytest
from auth_peers import auth_world  # noqa: F401 - the fixture of the live test

from specgen.auth.htpasswd import Htpasswd
from specgen.auth.issuer import Issuer
from specgen.auth.keys import SigningKey, TrustedKeys
from specgen.auth.rules import Rules
from specgen.auth.tokens import verify
from specgen.checker.validate import Exchange, validate
from specgen.commands.token_server import create_app
from specgen.descriptors import load_set

SERVICE = "reg"
RULES = {"rules": [
    {"repository": "**", "users": ["alice"], "actions": ["*"]},
    {"repository": "**", "users": ["bob"], "actions": ["pull"]},
    {"repository": "public/**", "anonymous": True, "actions": ["pull"]},
    {"registry": "catalog", "users": ["alice"], "actions": ["*"]},
]}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    d = tmp_path_factory.mktemp("token-server")
    pair = auth_material.self_signed(d, "signer")
    users = Htpasswd.load(auth_material.htpasswd_file(d / "htpasswd", {"alice": "apw", "bob": "bpw"}))
    issuer = Issuer(SigningKey.load(pair.key, pair.cert), issuer="test-issuer", users=users,
                    rules=Rules.parse(RULES), services=(SERVICE,), lifetime=120)
    return create_app(issuer), TrustedKeys.load(pair.cert), d, pair


TOKEN_SET = load_set("token_auth")


def call(app, method, url, *, auth=None, form=None):
    """One request in process; the exchange must satisfy the token_auth descriptors."""
    async def go():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://token.test") as client:
            return await client.request(method, url, auth=auth, data=form)

    response = asyncio.run(go())
    body = form and httpx.QueryParams(form).__str__().encode()
    exchange = Exchange(method, str(response.request.url), dict(response.request.headers), response.status_code,
                        dict(response.headers), response.content, body or None)
    errors = [f for f in validate(exchange, TOKEN_SET) if f.severity == "error"]
    assert not errors, errors
    return response


def _access(token, trusted):
    return verify(token, trusted, issuer="test-issuer", service=SERVICE).access


def test_get_grants_what_the_rules_allow(service):
    app, trusted, _, _ = service
    scope = "repository:team/app:pull,push,delete"
    r = call(app, "GET", f"/token?service={SERVICE}&scope={scope}&scope=registry:catalog:*", auth=("alice", "apw"))
    assert r.status_code == 200
    body = r.json()
    assert body["token"] == body["access_token"] and body["expires_in"] == 120 and body["issued_at"].endswith("Z")
    assert [str(a) for a in _access(body["token"], trusted)] == [scope, "registry:catalog:*"]
    r = call(app, "GET", f"/token?service={SERVICE}&scope={scope}&scope=registry:catalog:*", auth=("bob", "bpw"))
    assert [str(a) for a in _access(r.json()["token"], trusted)] == ["repository:team/app:pull"]
    # anonymous: only what anonymous rules give
    r = call(app, "GET", f"/token?service={SERVICE}&scope=repository:public/x:pull,push&scope={scope}")
    claims = jwt.decode(r.json()["token"], options={"verify_signature": False})
    assert claims["sub"] == "" and [str(a) for a in _access(r.json()["token"], trusted)] == ["repository:public/x:pull"]


def test_get_refuses_bad_credentials_scopes_and_services(service):
    app, *_ = service
    r = call(app, "GET", f"/token?service={SERVICE}&scope=repository:a:pull", auth=("alice", "wrong"))
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic realm=")
    assert "wrong" not in r.text and r.json()["errors"][0]["code"] == "UNAUTHORIZED"
    r = call(app, "GET", f"/token?service={SERVICE}&scope=repository:a:pull&account=bob", auth=("alice", "apw"))
    assert r.status_code == 401
    r = call(app, "GET", f"/token?service={SERVICE}&scope=repository:BAD:pull", auth=("alice", "apw"))
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "INVALID_REQUEST"
    r = call(app, "GET", "/token?service=elsewhere&scope=repository:a:pull", auth=("alice", "apw"))
    assert r.status_code == 400


def test_oauth2_password_and_refresh_grants(service):
    app, trusted, _, _ = service
    form = {"grant_type": "password", "username": "bob", "password": "bpw", "client_id": "test",
            "service": SERVICE, "scope": "repository:a:pull,push", "access_type": "offline"}
    r = call(app, "POST", "/token", form=form)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["scope"] == "repository:a:pull" and "refresh_token" in body
    r = call(app, "POST", "/token", form={"grant_type": "refresh_token", "refresh_token": body["refresh_token"],
                                          "client_id": "test", "service": SERVICE, "scope": "repository:b:pull"})
    assert r.status_code == 200 and [str(a) for a in _access(r.json()["access_token"], trusted)] == ["repository:b:pull"]
    # a refresh token is not an access token, nor the reverse
    r = call(app, "POST", "/token", form={"grant_type": "refresh_token", "refresh_token": body["access_token"],
                                          "client_id": "test", "service": SERVICE})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    for bad, error in (({**form, "password": "nope"}, "invalid_grant"), ({**form, "grant_type": "implicit"}, "unsupported_grant_type"),
                       ({k: v for k, v in form.items() if k != "client_id"}, "invalid_request")):
        r = call(app, "POST", "/token", form=bad)
        assert r.status_code == 400 and r.json()["error"] == error and "nope" not in r.text


def test_tokens_pass_the_registrys_access_controller(service):
    """The registry side (specgen.auth.controller) accepts what the issuer grants, nothing more."""
    from test_auth import _asgi

    from specgen.auth.controller import TokenPolicy

    app, trusted, _, _ = service
    policy = TokenPolicy(trusted, realm="http://token.test/token", service=SERVICE, issuer="test-issuer")
    token = call(app, "GET", f"/token?service={SERVICE}&scope=repository:a:pull,push", auth=("bob", "bpw")).json()["token"]
    bearer = [("Authorization", f"Bearer {token}")]
    assert _asgi(policy, "GET", "/v2/a/blobs/sha256:" + "0" * 64, bearer)[0] == 200
    assert _asgi(policy, "POST", "/v2/a/blobs/uploads/", bearer)[0] == 401


def test_token_server_refuses_bad_configuration(service, tmp_path):
    _, _, d, pair = service
    other = auth_material.self_signed(tmp_path, "other", "rsa")
    for args, message in (
        (["--signing-key", str(other.key), "--signing-cert", str(pair.cert)], "does not match the certificate"),
        (["--signing-key", str(pair.key)], "needs --signing-key and --signing-cert"),
        (["--signing-key", str(pair.key), "--signing-cert", str(pair.cert), "--htpasswd", str(tmp_path / "none")],
         "cannot read htpasswd"),
    ):
        proc = subprocess.run([sys.executable, "-m", "specgen", "token-server", "--port", "0", *args],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and message in proc.stderr, proc.stderr


def test_token_set_compiles_like_the_others():
    """The set's generated artifacts are committed (build/token_auth) and its OpenAPI is valid."""
    from openapi_spec_validator import validate as validate_openapi

    from specgen.layout import BUILD

    doc = json.loads((BUILD / "token_auth" / "openapi.json").read_text())
    validate_openapi(doc)
    assert set(doc["paths"]["/token"]) >= {"get", "post"}
    assert "Token" in (BUILD / "token_auth" / "api.md").read_text()


@pytest.mark.slow
def test_generated_client_talks_to_the_token_server(auth_world):  # noqa: F811
    """build/token_auth/client (compiled from the same set) against the running token-server."""
    from auth_peers import SERVICE, USERS

    from specgen._generated.token_auth.client import Client
    from specgen._generated.token_auth.client import errors as token_errors

    basic = {"Authorization": httpx.BasicAuth("bob", USERS["bob"])._auth_header}
    with Client(auth_world.token_url.removesuffix("/token"), verify=str(auth_world.tls.ca), retries=0) as client:
        # token.md: credentials go with the first request (none: an anonymous token, no challenge)
        anonymous = client.token(service=SERVICE, scope="repository:team/x:pull")
        assert jwt.decode(anonymous.body["token"], options={"verify_signature": False})["access"] == []
        result = client.token(service=SERVICE, scope="repository:team/x:pull,push", headers=basic)
        assert result.status == 200 and result.body["expires_in"] > 0
        claims = jwt.decode(result.body["token"], options={"verify_signature": False})
        assert claims["access"] == [{"type": "repository", "name": "team/x", "actions": ["pull"]}]
        form = f"grant_type=password&username=bob&password={USERS['bob']}&client_id=t&service={SERVICE}"
        result = client.oauth2_token(body=form.encode())
        assert result.body["access_token"] and result.body["scope"] == ""
        wrong = {"Authorization": httpx.BasicAuth("bob", "wrong")._auth_header}
        with pytest.raises(token_errors.Unauthorized):
            client.token(service=SERVICE, headers=wrong)
