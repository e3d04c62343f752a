"""specgen.auth without a network: htpasswd, scopes, rules, token minting and verification (the
checks distribution's token access controller makes), the access controller's answers, and bad
configuration refused with one line and exit 2."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
import time

import auth_material
import jwt
import pytest

from specgen.auth import scopes
from specgen.auth.access import needs
from specgen.auth.caller import caller
from specgen.auth.controller import AccessController, BasicPolicy, TokenPolicy
from specgen.auth.htpasswd import Htpasswd
from specgen.auth.keys import SigningKey, TrustedKeys, jwks, libtrust_key_id
from specgen.auth.rules import Rules
from specgen.auth.scopes import Access
from specgen.auth.tokens import InvalidToken, mint, verify
from specgen.descriptors import load_set
from specgen.distribution import routenames
from specgen.errors import UserError

ISSUER, SERVICE = "test-issuer", "test-registry"


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("keys")
    ec_pair = auth_material.self_signed(d, "ec-signer", "ec")
    rsa_pair = auth_material.self_signed(d, "rsa-signer", "rsa")
    stranger = auth_material.self_signed(d, "stranger", "ec")
    return d, ec_pair, rsa_pair, stranger


# -- htpasswd -------------------------------------------------------------------------------------
def test_htpasswd_checks_bcrypt_and_refuses_other_schemes(tmp_path):
    path = auth_material.htpasswd_file(tmp_path / "htpasswd", {"alice": "s3cret", "bob": "pw:with:colons"})
    users = Htpasswd.load(path)
    assert users.check("alice", "s3cret") and users.check("alice", "s3cret")  # second time cached
    assert users.check("bob", "pw:with:colons")
    assert not users.check("alice", "S3cret") and not users.check("carol", "s3cret")
    (tmp_path / "md5").write_text("alice:$apr1$abc$def\n")
    with pytest.raises(UserError, match="line 1"):
        Htpasswd.load(tmp_path / "md5")
    with pytest.raises(UserError, match="cannot read htpasswd"):
        Htpasswd.load(tmp_path / "missing")


# -- scopes ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("scope, parsed", [
    ("repository:samalba/my-app:pull,push", Access("repository", "samalba/my-app", ("pull", "push"))),
    ("repository:localhost:5000/a/b:pull", Access("repository", "localhost:5000/a/b", ("pull",))),
    ("repository(plugin):samalba/my-plugin:pull", Access("repository(plugin)", "samalba/my-plugin", ("pull",))),
    ("registry:catalog:*", Access("registry", "catalog", ("*",))),
    ("repository:a:", Access("repository", "a", ())),
])
def test_scope_grammar(scope, parsed):
    assert scopes.parse(scope) == parsed


@pytest.mark.parametrize("scope", ["repository:UPPER:pull", "repository::pull", "pull", "repository:a:PULL", "Repo:a:pull"])
def test_scope_grammar_refuses(scope):
    with pytest.raises(scopes.ScopeError):
        scopes.parse(scope)


def test_challenge_scope_merges_actions_per_resource():
    accesses = [Access("repository", "a", ("pull",)), Access("repository", "a", ("push",)), Access("repository", "b", ("pull",))]
    assert scopes.challenge_scope(accesses) == "repository:a:pull,push repository:b:pull"


# -- rules ----------------------------------------------------------------------------------------
RULES = {
    "groups": {"devs": ["alice", "bob"]},
    "rules": [
        {"repository": "team/**", "groups": ["devs"], "actions": ["pull", "push"]},
        {"repository": "team/*", "users": ["alice"], "actions": ["delete"]},
        {"repository": "${user}/**", "users": ["*"], "actions": ["*"]},
        {"repository": "public/*", "anonymous": True, "actions": ["pull"]},
        {"registry": "catalog", "users": ["alice"], "actions": ["*"]},
    ],
}


def test_rules_grant_the_union_of_matching_rules():
    rules = Rules.parse(RULES)
    want = Access("repository", "team/app", ("pull", "push", "delete"))
    assert rules.granted("alice", want) == ("pull", "push", "delete")
    assert rules.granted("bob", want) == ("pull", "push")
    assert rules.granted("carol", want) == ()
    assert rules.granted("alice", Access("repository", "team/a/b", ("delete",))) == ()  # * stops at /
    assert rules.granted("carol", Access("repository", "carol/x/y", ("pull", "push", "delete"))) == ("pull", "push", "delete")
    assert rules.granted("carol", Access("repository", "alice/x", ("pull",))) == ()
    assert rules.granted(None, Access("repository", "public/x", ("pull", "push"))) == ("pull",)
    assert rules.granted(None, Access("repository", "team/app", ("pull",))) == ()
    assert rules.may("alice", "registry", "catalog", "*") and not rules.may("bob", "registry", "catalog", "*")


def test_default_rules_and_anonymous_pull():
    assert Rules.default().granted("x", Access("repository", "a/b", ("pull", "push", "delete"))) == ("pull", "push", "delete")
    assert Rules.default().granted(None, Access("repository", "a", ("pull",))) == ()
    assert Rules.default(anonymous_pull=True).granted(None, Access("repository", "a/b", ("pull", "push"))) == ("pull",)


@pytest.mark.parametrize("rule, message", [
    ({"repository": "a", "users": ["x"], "actions": ["pull", "write"]}, "unknown action 'write'"),
    ({"repository": "a", "users": ["x"], "actions": ["pull"], "who": 1}, "unknown key 'who'"),
    ({"registry": "catalog", "users": ["x"], "actions": ["pull"]}, "unknown action 'pull'"),
    ({"repository": "a", "actions": ["pull"]}, "grants nobody"),
    ({"repository": "a", "groups": ["nope"], "actions": ["pull"]}, "unknown group"),
])
def test_bad_rules_are_user_errors(rule, message):
    with pytest.raises(UserError, match=message):
        Rules.parse({"rules": [rule]})


# -- tokens ---------------------------------------------------------------------------------------
def _trusted(pair):
    return TrustedKeys.load(pair.cert)


@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_mint_and_verify_both_algorithms(keys, kind):
    _, ec_pair, rsa_pair, _ = keys
    pair = ec_pair if kind == "ec" else rsa_pair
    key = SigningKey.load(pair.key, pair.cert)
    assert key.alg == ("ES256" if kind == "ec" else "RS256")
    token = mint(key, issuer=ISSUER, audience=SERVICE, subject="alice", lifetime=60,
                 access=[Access("repository", "a", ("pull",))])
    header = jwt.get_unverified_header(token)
    assert header["kid"] == libtrust_key_id(key.private_key.public_key()) and len(header["x5c"]) == 1
    claims = verify(token, _trusted(pair), issuer=ISSUER, service=SERVICE)
    assert claims.subject == "alice" and claims.grants("repository", "a", "pull")
    assert not claims.grants("repository", "a", "push") and not claims.grants("repository", "b", "pull")


def test_libtrust_key_id_shape(keys):
    _, ec_pair, _, _ = keys
    kid = SigningKey.load(ec_pair.key, ec_pair.cert).kid
    assert len(kid) == 59 and kid.count(":") == 11 and kid.replace(":", "").isupper()


def test_verify_refuses_what_distribution_refuses(keys):
    _, ec_pair, _, stranger = keys
    key = SigningKey.load(ec_pair.key, ec_pair.cert)
    other = SigningKey.load(stranger.key, stranger.cert)
    trusted = _trusted(ec_pair)
    now = int(time.time())

    def token(k=key, **kw):
        args = dict(issuer=ISSUER, audience=SERVICE, subject="a", access=[], lifetime=60)
        args.update(kw)
        return mint(k, **args)

    cases = {
        "wrong issuer": token(issuer="someone-else"),
        "wrong audience": token(audience="another-registry"),
        "expired past the leeway": token(now=now - 200, lifetime=60),
        "signed by an untrusted key": token(k=other),
    }
    for why, t in cases.items():
        with pytest.raises(InvalidToken):
            verify(t, trusted, issuer=ISSUER, service=SERVICE)
            pytest.fail(why)
    # within distribution's 60 s leeway: still valid
    verify(token(now=now - 90, lifetime=60), trusted, issuer=ISSUER, service=SERVICE)
    # not yet valid (nbf in the future past the leeway)
    future = jwt.encode({"iss": ISSUER, "aud": SERVICE, "exp": now + 600, "nbf": now + 300, "access": []},
                        key.private_key, algorithm="ES256", headers={"x5c": key.x5c()})
    with pytest.raises(InvalidToken, match="not yet valid"):
        verify(future, trusted, issuer=ISSUER, service=SERVICE)
    # a tampered payload breaks the signature
    head, body, sig = token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["access"] = [{"type": "repository", "name": "x", "actions": ["push"]}]
    forged = ".".join([head, base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("="), sig])
    with pytest.raises(InvalidToken):
        verify(forged, trusted, issuer=ISSUER, service=SERVICE)
    # the untrusted key's token with a trusted kid but its own x5c: the chain decides
    with pytest.raises(InvalidToken, match="trusted root"):
        verify(token(k=other), trusted, issuer=ISSUER, service=SERVICE)


def test_kid_without_x5c_and_jwks(keys, tmp_path):
    _, ec_pair, rsa_pair, _ = keys
    key = SigningKey.load(rsa_pair.key, rsa_pair.cert)
    bare = jwt.encode({"iss": ISSUER, "aud": [SERVICE, "x"], "exp": int(time.time()) + 60, "sub": "s",
                       "access": [{"type": "repository", "name": "a", "actions": ["pull"]}]},
                      key.private_key, algorithm="RS256", headers={"kid": key.kid})
    assert verify(bare, _trusted(rsa_pair), issuer=ISSUER, service=SERVICE).grants("repository", "a", "pull")
    with pytest.raises(InvalidToken, match="untrusted"):
        verify(bare, _trusted(ec_pair), issuer=ISSUER, service=SERVICE)
    (tmp_path / "jwks.json").write_text(json.dumps(jwks([key.private_key.public_key()])))
    assert verify(bare, TrustedKeys.load(jwks=tmp_path / "jwks.json"), issuer=ISSUER, service=SERVICE).subject == "s"


def test_signing_key_must_match_its_certificate(keys):
    _, ec_pair, rsa_pair, _ = keys
    with pytest.raises(UserError, match="does not match the certificate"):
        SigningKey.load(ec_pair.key, rsa_pair.cert)


# -- what requests need -----------------------------------------------------------------------------
def test_needs_follow_distribution():
    r = Access
    assert needs(routenames.MANIFEST, "HEAD", {"name": "a"}, {}).required == (r("repository", "a", ("pull",)),)
    assert needs(routenames.MANIFEST, "PUT", {"name": "a"}, {}).required == (r("repository", "a", ("pull", "push")),)
    assert needs(routenames.BLOB, "DELETE", {"name": "a"}, {}).required == (r("repository", "a", ("delete",)),)
    mount = needs(routenames.BLOB_UPLOAD, "POST", {"name": "a"}, {"mount": "sha256:x", "from": "b"})
    assert mount.required == (r("repository", "a", ("pull", "push")),)
    assert mount.optional == (r("repository", "b", ("pull",)),)
    injected = needs(routenames.BLOB_UPLOAD, "POST", {"name": "a"}, {"mount": "sha256:x", "from": 'b"\r\nX: y'})
    assert injected.optional == ()  # a source outside the name grammar never reaches a challenge
    assert needs(routenames.CATALOG, "GET", {}, {}).required == (r("registry", "catalog", ("*",)),)
    assert needs(routenames.BASE, "GET", {}, {}).required == ()


# -- the access controller, in process ---------------------------------------------------------------
def _asgi(app, method, path, headers=()):
    """One request through an ASGI app: (status, headers, body, scope seen by the inner app)."""
    seen: dict = {}

    async def inner(scope, receive, send):
        seen.update(scope)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def go():
        out = {}
        scope = {"type": "http", "method": method, "path": path.split("?")[0],
                 "query_string": path.partition("?")[2].encode(),
                 "headers": [(k.lower().encode(), v.encode()) for k, v in headers]}

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            if message["type"] == "http.response.start":
                out["status"], out["headers"] = message["status"], {k.decode(): v.decode() for k, v in message["headers"]}
            else:
                out["body"] = out.get("body", b"") + message.get("body", b"")

        await AccessController(inner, load_set("oci_v1_1"), app)(scope, receive, send)
        return out["status"], out["headers"], out["body"], seen

    return asyncio.run(go())


def _basic(user, password):
    return ("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())


def test_basic_policy_answers_401_and_403(tmp_path):
    users = Htpasswd.load(auth_material.htpasswd_file(tmp_path / "h", {"alice": "a", "bob": "b"}))
    policy = BasicPolicy(users, Rules.parse(RULES, anonymous_pull=False), "my realm")
    status, headers, body, _ = _asgi(policy, "GET", "/v2/")
    assert status == 401 and headers["www-authenticate"] == 'Basic realm="my realm"'
    assert json.loads(body)["errors"][0]["code"] == "UNAUTHORIZED"
    status, _, _, seen = _asgi(policy, "GET", "/v2/team/app/manifests/latest", [_basic("bob", "b")])
    assert status == 200 and caller(seen).user == "bob"
    assert caller(seen).may_pull("team/x") and not caller(seen).may_pull("other/x")
    status, headers, body, _ = _asgi(policy, "DELETE", "/v2/team/app/manifests/latest", [_basic("bob", "b")])
    assert status == 403 and "www-authenticate" not in headers
    assert json.loads(body)["errors"][0]["code"] == "DENIED"
    status, _, body, _ = _asgi(policy, "GET", "/v2/", [_basic("bob", "wrong")])
    assert status == 401 and b"wrong" not in body
    assert _asgi(policy, "GET", "/v2/public/x/tags/list")[0] == 200  # anonymous: pull on public/*
    assert _asgi(policy, "POST", "/v2/public/x/blobs/uploads/")[0] == 401
    assert _asgi(policy, "GET", "/v2/nope/nope/nope")[0] == 200  # 404 routes pass: the app answers them


def test_token_policy_answers_distributions_challenges(keys):
    _, ec_pair, _, _ = keys
    key = SigningKey.load(ec_pair.key, ec_pair.cert)
    policy = TokenPolicy(_trusted(ec_pair), realm="https://auth/token", service=SERVICE, issuer=ISSUER)
    status, headers, _, _ = _asgi(policy, "POST", "/v2/a/blobs/uploads/?mount=sha256:00&from=b/c")
    assert status == 401
    assert headers["www-authenticate"] == (
        'Bearer realm="https://auth/token",service="test-registry",scope="repository:a:pull,push repository:b/c:pull"')
    pull = mint(key, issuer=ISSUER, audience=SERVICE, subject="s", lifetime=60, access=[Access("repository", "a", ("pull",))])
    bearer = ("Authorization", f"Bearer {pull}")
    assert _asgi(policy, "GET", "/v2/a/manifests/x", [bearer])[0] == 200
    status, headers, _, _ = _asgi(policy, "PUT", "/v2/a/manifests/x", [bearer])
    assert status == 401 and 'error="insufficient_scope"' in headers["www-authenticate"]
    status, headers, _, _ = _asgi(policy, "GET", "/v2/a/manifests/x", [("Authorization", "Bearer x.y.z")])
    assert status == 401 and 'error="invalid_token"' in headers["www-authenticate"]
    assert _asgi(policy, "GET", "/v2/", [bearer])[0] == 200


# -- bad configuration: one line, exit 2 ------------------------------------------------------------
def _serve(tmp_path, *args):
    return subprocess.run([sys.executable, "-m", "specgen", "serve", "--root", str(tmp_path / "root"), "--port", "0", *args],
                          capture_output=True, text=True, timeout=60)


def test_bad_configuration_is_refused_at_start(tmp_path, keys):
    _, ec_pair, rsa_pair, _ = keys
    htpasswd = auth_material.htpasswd_file(tmp_path / "htpasswd", {"alice": "a"})
    (tmp_path / "rules.yml").write_text("rules:\n  - repository: '**'\n    users: [alice]\n    actions: [pull, fly]\n")
    cases = [
        (["--auth", "htpasswd", "--htpasswd", str(tmp_path / "missing")], "cannot read htpasswd file"),
        (["--auth", "htpasswd", "--htpasswd", str(htpasswd), "--access-rules", str(tmp_path / "rules.yml")],
         "unknown action 'fly'"),
        (["--tls-cert", str(ec_pair.cert), "--tls-key", str(rsa_pair.key)], "does not match"),
        (["--auth", "token", "--token-realm", "http://x/token"], "--auth token needs"),
        (["--auth", "token", "--token-realm", "r", "--token-service", "s", "--token-issuer", "i",
          "--token-rootcertbundle", str(htpasswd)], "root certificate bundle"),
    ]
    for args, message in cases:
        proc = _serve(tmp_path, *args)
        assert proc.returncode == 2, (args, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (args, proc.stderr)
        assert "Traceback" not in proc.stderr


def test_token_policy_remembers_a_token_until_it_expires(keys, monkeypatch):
    """A token is verified once, then remembered; past its expiry (and the leeway) it is
    verified again, so remembering never extends its life."""
    import specgen.auth.controller as controller

    _, ec_pair, _, _ = keys
    key = SigningKey.load(ec_pair.key, ec_pair.cert)
    policy = TokenPolicy(_trusted(ec_pair), realm="r", service=SERVICE, issuer=ISSUER)
    token = mint(key, issuer=ISSUER, audience=SERVICE, subject="s", lifetime=60, access=[Access("repository", "a", ("pull",))])
    bearer = [("Authorization", f"Bearer {token}")]
    calls = []
    monkeypatch.setattr(controller, "verify", lambda *a, **k: calls.append(1) or verify(*a, **k))
    assert _asgi(policy, "GET", "/v2/a/tags/list", bearer)[0] == 200
    assert _asgi(policy, "GET", "/v2/a/tags/list", bearer)[0] == 200
    assert len(calls) == 1
    later = time.time() + 60 + 61  # past exp and distribution's leeway
    monkeypatch.setattr(controller.time, "time", lambda: later)
    _asgi(policy, "GET", "/v2/a/tags/list", bearer)
    assert len(calls) == 2
