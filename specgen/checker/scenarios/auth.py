"""The ``auth`` group: authentication and authorization as distribution's docs/spec/auth and RFC
7235 say. It runs when credentials are given (Skip otherwise) and checks:

- the challenge's grammar (RFC 7235 ``auth-scheme [ token68 / #auth-param ]``; token.md: a
  ``Bearer`` challenge names ``realm`` and ``service``);
- the challenge's ``scope`` (scope.md grammar) matches the request: ``repository:<repo>:pull`` for a
  read, ``pull,push`` for an upload, ``registry:catalog:*`` for the catalog;
- the realm is reachable and answers a token (validated against the ``token_auth`` set);
- the credentials (or the token) are accepted on the retried request, and the token is reused;
- anonymous pull, where the registry offers it;
- 401 with a challenge for bad credentials, a malformed token and a tampered one;
- 403 ``DENIED`` (or, from a token registry, 401 ``insufficient_scope`` as distribution answers)
  for a push and a delete by a second, pull-only account (``--pull-user``), Skip without one;
- no password or token ever comes back in a response.

The pull-only account reaches this module through ``options`` (a context variable ``specgen
check`` sets), so the runner needs no parameter of its own for it.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import json
import os
import re
import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from specgen.checker.context import Context, Declined, StepFailed, error_codes
from specgen.checker.scenarios.scenario import scenario
from specgen.checker.scenarios.steps import header, payload, push_blob
from specgen.checker.validate import Exchange, validate

# -- RFC 7235 / RFC 7230 grammar ---------------------------------------------------------------------
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[\t !-~\x80-\xff])*"'
_TOKEN68 = r"[A-Za-z0-9._~+/-]+=*"
_PARAM = rf"({_TOKEN})[ \t]*=[ \t]*({_TOKEN}|{_QUOTED})"


@dataclass(frozen=True)
class Challenge:
    scheme: str  # lower case
    params: dict[str, str]
    token68: str | None = None


class GrammarError(ValueError):
    pass


def parse_challenges(value: str) -> list[Challenge]:
    """Every challenge of a ``WWW-Authenticate`` value, strictly (RFC 7235 section 4.1);
    ``GrammarError`` saying where it breaks."""
    out: list[Challenge] = []
    pos, n = 0, len(value)

    def skip_ows(p: int) -> int:
        while p < n and value[p] in " \t":
            p += 1
        return p

    pos = skip_ows(pos)
    while pos < n:
        m = re.compile(_TOKEN).match(value, pos)
        if not m:
            raise GrammarError(f"expected an auth-scheme at {pos}: {value[pos : pos + 20]!r}")
        scheme, pos = m.group(0).lower(), m.end()
        params: dict[str, str] = {}
        token68 = None
        if pos < n and value[pos] == " ":
            pos = skip_ows(pos)
            pm = re.compile(_PARAM).match(value, pos)
            if pm is None:
                t = re.compile(_TOKEN68).match(value, pos)
                if t and (t.end() == n or value[skip_ows(t.end())] == ","):
                    token68, pos = t.group(0), t.end()
            while pm is not None:
                name, raw = pm.group(1).lower(), pm.group(2)
                if name in params:
                    raise GrammarError(f"parameter {name!r} given twice")
                params[name] = re.sub(r"\\(.)", r"\1", raw[1:-1]) if raw.startswith('"') else raw
                pos = skip_ows(pm.end())
                if pos < n and value[pos] == ",":
                    nxt = skip_ows(pos + 1)
                    pm = re.compile(_PARAM).match(value, nxt)
                    if pm is not None:
                        continue
                    break
                pm = None
        out.append(Challenge(scheme, params, token68))
        pos = skip_ows(pos)
        if pos < n:
            if value[pos] != ",":
                raise GrammarError(f"unexpected {value[pos : pos + 20]!r} at {pos}")
            pos = skip_ows(pos + 1)
    if not out:
        raise GrammarError("empty challenge")
    return out


# -- the pull-only account ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Options:
    pull_user: str | None = None
    pull_password: str | None = None


_OPTIONS: contextvars.ContextVar[Options] = contextvars.ContextVar(
    "specgen_check_auth",
    default=Options(),  # noqa: B039 - Options is frozen
)


@contextlib.contextmanager
def options(pull_user: str | None = None, pull_password: str | None = None) -> Iterator[None]:
    """Run ``specgen check`` with a second, pull-only account for the ``auth`` group."""
    reset = _OPTIONS.set(Options(pull_user, pull_password))
    try:
        yield
    finally:
        _OPTIONS.reset(reset)


def configure(pull_user: str | None, pull_password: str | None) -> None:
    """Set the pull-only account for the checks run next in this context."""
    _OPTIONS.set(Options(pull_user, pull_password))


def configure_from_args(args: Any) -> None:
    """``specgen check``'s credentials from flags, ``SPECGEN_CHECK_USER`` / ``_PASSWORD`` /
    ``_PULL_USER`` / ``_PULL_PASSWORD`` and ``--password-stdin`` (secrets need not be in argv);
    fills ``args.user`` / ``args.password`` and sets the pull-only account."""
    env = os.environ.get
    if args.user is None and not args.token:
        args.user = env("SPECGEN_CHECK_USER")
    if getattr(args, "password_stdin", False):
        args.password = sys.stdin.readline().rstrip("\r\n")
    if args.password is None and args.user is not None:
        args.password = env("SPECGEN_CHECK_PASSWORD")
    pull_password = getattr(args, "pull_password", None)
    configure(
        getattr(args, "pull_user", None) or env("SPECGEN_CHECK_PULL_USER"),
        pull_password if pull_password is not None else env("SPECGEN_CHECK_PULL_PASSWORD"),
    )


# -- helpers -----------------------------------------------------------------------------------------
def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _challenge(ex: Exchange) -> Challenge:
    value = header(ex, "WWW-Authenticate")
    if not value:
        raise StepFailed(f"{ex.method} answered 401 without WWW-Authenticate")
    try:
        challenges = parse_challenges(value)
    except GrammarError as exc:
        raise StepFailed(f"WWW-Authenticate {value!r} breaks RFC 7235: {exc}") from None
    for c in challenges:
        if c.scheme in ("bearer", "basic"):
            return c
    return challenges[0]


def _check_scope(challenge: Challenge, wanted: dict[tuple[str, str], set[str]]) -> str:
    from specgen.auth.scopes import ScopeError, parse

    scope = challenge.params.get("scope")
    if scope is None:
        raise StepFailed(f"the Bearer challenge names no scope (want {_fmt(wanted)})")
    got: dict[tuple[str, str], set[str]] = {}
    for part in scope.split(" "):
        try:
            a = parse(part)
        except ScopeError as exc:
            raise StepFailed(f"scope {part!r} breaks scope.md's grammar: {exc}") from None
        got.setdefault((a.type, a.name), set()).update(a.actions)
    for key, actions in wanted.items():
        if not actions <= got.get(key, set()):
            raise StepFailed(f"challenge scope {scope!r} does not ask for {_fmt({key: actions})}")
    return scope


def _fmt(wanted: dict[tuple[str, str], set[str]]) -> str:
    return " ".join(f"{t}:{n}:{','.join(sorted(a))}" for (t, n), a in wanted.items())


@dataclass
class _Mode:
    scheme: str  # "basic" or "bearer"
    realm: str | None = None
    service: str | None = None


class _Tokens:
    """Token requests to the challenge's realm, validated against the ``token_auth`` set."""

    def __init__(self, ctx: Context, mode: _Mode):
        from specgen.descriptors import load_set

        self.ctx, self.mode = ctx, mode
        self.dset = load_set("token_auth")
        self.fetches = 0

    def fetch(self, scope: str | None, authorization: str | None, expect: int = 200) -> str | None:
        assert self.mode.realm
        query = {k: v for k, v in (("service", self.mode.service), ("scope", scope)) if v}
        url = self.mode.realm + ("&" if "?" in self.mode.realm else "?") + urlencode(query)
        headers = {"Authorization": authorization} if authorization else {}
        ex, record = self.ctx.session.send("GET", url, headers=headers, auth=False)
        self.fetches += 1
        record.findings = list(validate(ex, self.dset))
        record.descriptor = "token_auth token GET"
        assert self.ctx._check is not None
        self.ctx._check.records.append(record)
        if ex.status != expect:
            raise StepFailed(f"GET {self.mode.realm}: expected {expect}, got {ex.status} {' '.join(error_codes(ex))}")
        if ex.status != 200:
            return None
        try:
            data = json.loads(ex.body)
            token = data.get("token") or data.get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise StepFailed(f"GET {self.mode.realm} answered 200 without a token")
        return token


def _claims(token: str) -> dict | None:
    """The claim set of a JWT, unverified (None when the token is opaque)."""
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None


def _tamper(token: str) -> str:
    """The token with its expiry moved into the past (its signature then no longer matches)."""
    parts = token.split(".")
    claims = _claims(token)
    if claims is None or len(parts) != 3:
        return token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    claims["exp"] = 1
    parts[1] = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return ".".join(parts)


# -- the group ---------------------------------------------------------------------------------------
@scenario("auth", "challenges, scopes, tokens, anonymous pull, 401/403, no secrets leaked (with credentials)")
def auth(ctx: Context) -> None:
    creds = ctx.session.auth
    opts = _OPTIONS.get()
    passwords: list[str] = [s for s in (creds.password, opts.pull_password) if s]
    secrets_seen: list[str] = [creds.token] if creds.token else []  # tokens: never in the registry's answers
    with ctx.check("credentials given"):
        if not ctx.credentials:
            raise Declined("no credentials given (--user/--password or --token): auth not checked")
    main_auth = _basic(creds.user, creds.password or "") if creds.user is not None else None

    with ctx.check("unauthenticated GET /v2/ is challenged (RFC 7235 grammar)"):
        ex = ctx.call(
            "GET", ctx.urls.base(), expect=401, auth=False, decline={200: "the registry lets anonymous clients in"}
        )
        c = _challenge(ex)
        if c.scheme == "bearer":
            missing = [p for p in ("realm", "service") if not c.params.get(p)]
            if missing:
                raise StepFailed(f"the Bearer challenge lacks {', '.join(missing)} (token.md)")
            mode = _Mode("bearer", c.params["realm"], c.params["service"])
        elif c.scheme == "basic":
            if "realm" not in c.params:
                raise StepFailed("the Basic challenge lacks realm (RFC 7617)")
            mode = _Mode("basic")
        else:
            raise Declined(f"challenge scheme {c.scheme!r}: neither Basic nor Bearer, not checked further")
        ctx.note(f"{c.scheme} challenge")

    with ctx.check("push a blob to read back"):
        data = payload(ctx, "auth", 48)
        digest = push_blob(ctx, data)
    pull = {("repository", ctx.repo): {"pull"}}
    push = {("repository", ctx.repo): {"pull", "push"}}

    with ctx.check("every 401 carries a challenge; Bearer scopes match the request (scope.md)", independent=True):
        # a blob read, an upload, the tag list, the referrers API and the catalog, unauthenticated;
        # sent outside ctx.call where distribution's descriptors declare no 401 (catalog,
        # referrers), so those exchanges are recorded, not validated against the set
        routes = {r.name for r in ctx.dset.routes}
        probes = [
            ("GET", ctx.urls.blob(ctx.repo, digest), pull, True),
            ("POST", ctx.urls.blob_upload(ctx.repo), push, True),
            ("GET", ctx.urls.tags(ctx.repo), pull, True),
        ]
        if "referrers" in routes:
            probes.append(("GET", ctx.urls.referrers(ctx.repo, digest), pull, False))
        if "catalog" in routes:
            probes.append(("GET", ctx.urls.catalog(), {("registry", "catalog"): {"*"}}, False))
        for method, url, wanted, declared in probes:
            if declared:
                ex = ctx.call(method, url, expect=(401, 200, 202, 404), auth=False)
            else:
                ex, record = ctx.session.send(method, url, auth=False)
                assert ctx._check is not None
                ctx._check.records.append(record)
            if ex.status != 401:
                continue  # anonymous access to it is offered
            c = _challenge(ex)
            if c.scheme != mode.scheme:
                raise StepFailed(f"{method} {url}: a {c.scheme} challenge where /v2/ sent {mode.scheme}")
            if mode.scheme == "bearer":
                _check_scope(c, wanted)

    if mode.scheme == "bearer":
        tokens = _Tokens(ctx, mode)
        scope = f"repository:{ctx.repo}:pull"
        token = None
        with ctx.check("the realm answers a token (token_auth set)"):
            token = tokens.fetch(scope, main_auth)
            assert token is not None
            secrets_seen.append(token)
        with ctx.check("the token is accepted on the retried request and reused"):
            for _ in range(2):
                ctx.call(
                    "GET", ctx.urls.blob(ctx.repo, digest), headers={"Authorization": f"Bearer {token}"}, auth=False
                )
            ctx.note(f"one token for two requests ({tokens.fetches} token request)")
        with ctx.check("anonymous pull, where offered", independent=True):
            anon = tokens.fetch(scope, None, expect=200)
            assert anon is not None
            ex = ctx.call(
                "GET",
                ctx.urls.blob(ctx.repo, digest),
                headers={"Authorization": f"Bearer {anon}"},
                expect=(200, 401),
                auth=False,
            )
            if ex.status == 401:
                raise Declined("anonymous pull not offered (the anonymous token does not grant pull)")
        with ctx.check("401 with a challenge for a malformed and a tampered (expired) token", independent=True):
            for bad in ("not-a-token", _tamper(token)):
                ex = ctx.call(
                    "GET",
                    ctx.urls.blob(ctx.repo, digest),
                    headers={"Authorization": f"Bearer {bad}"},
                    expect=401,
                    auth=False,
                )
                _challenge(ex)
        with ctx.check("401 from the realm for a wrong password", independent=True):
            if creds.user is None:
                raise Declined("a fixed --token was given: no password to get wrong")
            wrong = "wrong-" + secrets.token_hex(6)
            passwords.append(wrong)
            tokens.fetch(scope, _basic(creds.user, wrong), expect=401)
    else:
        with ctx.check("basic credentials accepted on the retried request", independent=True):
            for _ in range(2):
                ctx.call("GET", ctx.urls.blob(ctx.repo, digest), headers={"Authorization": main_auth or ""}, auth=False)
        with ctx.check("anonymous pull, where offered", independent=True):
            ex = ctx.call("GET", ctx.urls.blob(ctx.repo, digest), expect=(200, 401), auth=False)
            if ex.status == 401:
                _challenge(ex)
                raise Declined("anonymous pull not offered (401 with a challenge)")
        with ctx.check("401 with a challenge for a wrong password", independent=True):
            wrong = "wrong-" + secrets.token_hex(6)
            passwords.append(wrong)
            ex = ctx.call(
                "GET",
                ctx.urls.blob(ctx.repo, digest),
                headers={"Authorization": _basic(creds.user or "", wrong)},
                expect=401,
                auth=False,
            )
            _challenge(ex)

    with ctx.check("a pull-only account may pull, not push or delete (403 DENIED)", independent=True):
        if not opts.pull_user:
            raise Declined("no pull-only account given (--pull-user / SPECGEN_CHECK_PULL_USER)")
        reader = _basic(opts.pull_user, opts.pull_password or "")
        if mode.scheme == "bearer":
            tokens = _Tokens(ctx, mode)
            tok = tokens.fetch(f"repository:{ctx.repo}:pull,push,delete", reader)
            assert tok is not None
            secrets_seen.append(tok)
            claims = _claims(tok)
            if claims is not None:
                granted = {
                    a for e in claims.get("access") or [] if e.get("name") == ctx.repo for a in e.get("actions", [])
                }
                if granted & {"push", "delete"}:
                    raise StepFailed(f"the realm granted the pull-only account {sorted(granted)}")
            reader = f"Bearer {tok}"
        ctx.call("GET", ctx.urls.blob(ctx.repo, digest), headers={"Authorization": reader}, auth=False)
        for method, url in (("POST", ctx.urls.blob_upload(ctx.repo)), ("DELETE", ctx.urls.blob(ctx.repo, digest))):
            ex = ctx.call(method, url, headers={"Authorization": reader}, expect=(403, 401), auth=False)
            if ex.status == 403:
                if "DENIED" not in error_codes(ex):
                    raise StepFailed(f"{method} by the pull-only account: 403 without DENIED")
            else:
                c = _challenge(ex)
                if mode.scheme != "bearer" or c.params.get("error") != "insufficient_scope":
                    raise StepFailed(f"{method} by the pull-only account: 401 (want 403 DENIED)")
                ctx.note(f"{method}: 401 insufficient_scope (distribution's token answer), not 403 DENIED")

    with ctx.check("no password or token in any response"):
        assert ctx.group is not None
        realm = mode.realm or "\0"
        for check in ctx.group.checks:
            for record in check.records:
                text = record.body.decode("latin-1") + " ".join(v for _, v in record.response_headers)
                # a token comes back from the realm by design; nothing else may echo a secret
                leaks = passwords + ([] if record.url.startswith(realm) else secrets_seen)
                if any(secret in text for secret in leaks):
                    raise StepFailed(f"a response to {record.method} {record.url} contains a credential")
