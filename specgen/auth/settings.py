"""The security settings of ``specgen serve`` and the flags of ``specgen token-server``.

``specgen serve`` takes them as keys of its configuration (``auth.*``, ``tls.*`` in
``specgen.config.settings``, with the flags and variables below) and builds ``Security`` with
``from_settings``; ``specgen token-server`` adds the identity and TLS flags here.

Each is also read from a ``SPECGEN_*`` variable, so secrets and paths need not be on the command
line; ``from_args(args)`` checks them and loads every file once
(a bad file is a ``UserError``: one line, exit 2), and the resulting ``Security`` travels to worker
processes as JSON in ``SPECGEN_SECURITY`` (``from_env``), where ``wrap(app, dset)`` puts the access
controller in front of the registry app.

Flags (and variables): ``--auth none|htpasswd|token`` (SPECGEN_AUTH), ``--htpasswd FILE``
(SPECGEN_HTPASSWD), ``--auth-realm REALM`` (SPECGEN_AUTH_REALM), ``--access-rules FILE``
(SPECGEN_ACCESS_RULES), ``--anonymous-pull`` (SPECGEN_ANONYMOUS_PULL=1), ``--token-realm URL``
(SPECGEN_TOKEN_REALM), ``--token-service NAME`` (SPECGEN_TOKEN_SERVICE), ``--token-issuer NAME``
(SPECGEN_TOKEN_ISSUER), ``--token-rootcertbundle FILE`` (SPECGEN_TOKEN_ROOTCERTBUNDLE),
``--token-jwks FILE`` (SPECGEN_TOKEN_JWKS), ``--tls-cert FILE`` (SPECGEN_TLS_CERT), ``--tls-key
FILE`` (SPECGEN_TLS_KEY), ``--tls-client-ca FILE`` (SPECGEN_TLS_CLIENT_CA: require client
certificates signed by it, mutual TLS).
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from specgen.errors import UserError

ENV = "SPECGEN_SECURITY"
MODES = ("none", "htpasswd", "token")

_SERVE_FLAGS = {
    "auth": "SPECGEN_AUTH",
    "htpasswd": "SPECGEN_HTPASSWD",
    "auth_realm": "SPECGEN_AUTH_REALM",
    "access_rules": "SPECGEN_ACCESS_RULES",
    "token_realm": "SPECGEN_TOKEN_REALM",
    "token_service": "SPECGEN_TOKEN_SERVICE",
    "token_issuer": "SPECGEN_TOKEN_ISSUER",
    "token_rootcertbundle": "SPECGEN_TOKEN_ROOTCERTBUNDLE",
    "token_jwks": "SPECGEN_TOKEN_JWKS",
}
_TLS_FLAGS = {"tls_cert": "SPECGEN_TLS_CERT", "tls_key": "SPECGEN_TLS_KEY", "tls_client_ca": "SPECGEN_TLS_CLIENT_CA"}


def _env(name: str) -> str | None:
    return os.environ.get(name) or None


def add_tls_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("TLS")
    g.add_argument(
        "--tls-cert", metavar="FILE", help="serve HTTPS with this PEM certificate (chain) ($SPECGEN_TLS_CERT)"
    )
    g.add_argument("--tls-key", metavar="FILE", help="the certificate's PEM private key ($SPECGEN_TLS_KEY)")
    g.add_argument(
        "--tls-client-ca",
        metavar="FILE",
        help="require client certificates signed by these PEM CAs: mutual TLS ($SPECGEN_TLS_CLIENT_CA)",
    )


def add_identity_arguments(parser: argparse._ActionsContainer) -> None:
    """Users and rules: what the registry (basic auth) and the token issuer decide with."""
    parser.add_argument(
        "--htpasswd", metavar="FILE", help="users: an htpasswd file of bcrypt hashes ($SPECGEN_HTPASSWD)"
    )
    parser.add_argument(
        "--access-rules",
        metavar="FILE",
        help="who may pull/push/delete where (YAML, see docs/auth.md; default: every user everything) "
        "($SPECGEN_ACCESS_RULES)",
    )
    parser.add_argument(
        "--anonymous-pull",
        action="store_true",
        default=None,
        help="callers without credentials may pull every repository ($SPECGEN_ANONYMOUS_PULL=1)",
    )


@dataclass(frozen=True)
class TLS:
    cert: str | None = None
    key: str | None = None
    client_ca: str | None = None

    @property
    def on(self) -> bool:
        return self.cert is not None

    def uvicorn_kwargs(self) -> dict[str, Any]:
        if not self.on:
            return {}
        kwargs: dict[str, Any] = {"ssl_certfile": self.cert, "ssl_keyfile": self.key}
        if self.client_ca:
            kwargs.update(ssl_ca_certs=self.client_ca, ssl_cert_reqs=ssl.CERT_REQUIRED)
        return kwargs


def tls_from_args(args: argparse.Namespace) -> TLS:
    cert, key, ca = (getattr(args, f, None) or _env(v) for f, v in _TLS_FLAGS.items())
    if not cert and not key and not ca:
        return TLS()
    if not cert or not key:
        raise UserError("TLS needs both --tls-cert and --tls-key")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert, key)
    except FileNotFoundError as exc:
        raise UserError(f"cannot read TLS certificate or key: {exc}") from None
    except (ssl.SSLError, OSError) as exc:
        raise UserError(f"TLS key {key} does not match certificate {cert}, or either is not PEM: {exc}") from None
    if ca:
        try:
            context.load_verify_locations(ca)
        except (ssl.SSLError, OSError) as exc:
            raise UserError(f"cannot read --tls-client-ca {ca}: {exc}") from None
    return TLS(os.path.abspath(cert), os.path.abspath(key), os.path.abspath(ca) if ca else None)


def _abs(path: str | None) -> str | None:
    return os.path.abspath(path) if path else None


@dataclass(frozen=True)
class Security:
    """Everything ``specgen serve`` needs to authenticate, authorize and encrypt."""

    auth: str = "none"
    htpasswd: str | None = None
    auth_realm: str = "specgen"
    access_rules: str | None = None
    anonymous_pull: bool = False
    token_realm: str | None = None
    token_service: str | None = None
    token_issuer: str | None = None
    token_rootcertbundle: str | None = None
    token_jwks: str | None = None
    tls: TLS = TLS()

    def policy(self) -> Any:
        """The access controller's policy (loads the files; ``None`` when auth is off). The
        controller, bcrypt and the JWT library are imported only when auth is on: a server
        without it does not carry them."""
        if self.auth == "none":
            return None
        from specgen.auth.controller import BasicPolicy, TokenPolicy
        from specgen.auth.htpasswd import Htpasswd
        from specgen.auth.keys import TrustedKeys

        if self.auth == "htpasswd":
            assert self.htpasswd is not None
            return BasicPolicy(
                Htpasswd.load(self.htpasswd), load_rules(self.access_rules, self.anonymous_pull), self.auth_realm
            )
        if self.auth == "token":
            assert self.token_realm and self.token_service and self.token_issuer
            trusted = TrustedKeys.load(self.token_rootcertbundle, self.token_jwks)
            return TokenPolicy(trusted, realm=self.token_realm, service=self.token_service, issuer=self.token_issuer)
        return None

    def wrap(self, app: Any, dset: Any) -> Any:
        """``app`` behind the access controller (``app`` itself when auth is off)."""
        policy = self.policy()
        if policy is None:
            return app
        from specgen.auth.controller import AccessController

        return AccessController(app, dset, policy)

    def to_env(self) -> dict[str, str]:
        return {ENV: json.dumps(asdict(self))}

    @property
    def scheme(self) -> str:
        return "https" if self.tls.on else "http"


def load_rules(path: str | None, anonymous_pull: bool) -> Any:
    from specgen.auth.rules import Rules

    return Rules.load(path, anonymous_pull) if path else Rules.default(anonymous_pull)


def anonymous_pull_from_args(args: argparse.Namespace) -> bool:
    if getattr(args, "anonymous_pull", None):
        return True
    return (_env("SPECGEN_ANONYMOUS_PULL") or "").lower() in ("1", "true", "yes")


def from_args(args: argparse.Namespace) -> Security:
    """The checked settings of ``specgen serve`` (flags over ``SPECGEN_*`` variables)."""
    values = {f: getattr(args, f, None) or _env(v) for f, v in _SERVE_FLAGS.items()}
    mode = values["auth"] or "none"
    if mode not in MODES:
        raise UserError(f"--auth {mode!r}: want one of {', '.join(MODES)}")
    if mode == "none" and (values["htpasswd"] or values["token_realm"]):
        mode = "htpasswd" if values["htpasswd"] else "token"  # a flag of one mode chooses it
    anonymous = anonymous_pull_from_args(args)
    security = Security(
        auth=mode,
        htpasswd=_abs(values["htpasswd"]),
        auth_realm=values["auth_realm"] or "specgen",
        access_rules=_abs(values["access_rules"]),
        anonymous_pull=anonymous,
        token_realm=values["token_realm"],
        token_service=values["token_service"],
        token_issuer=values["token_issuer"],
        token_rootcertbundle=_abs(values["token_rootcertbundle"]),
        token_jwks=_abs(values["token_jwks"]),
        tls=tls_from_args(args),
    )
    if mode == "htpasswd" and not security.htpasswd:
        raise UserError("--auth htpasswd needs --htpasswd FILE")
    if mode == "token":
        missing = [f"--token-{f}" for f in ("realm", "service", "issuer") if not values[f"token_{f}"]]
        if not security.token_rootcertbundle and not security.token_jwks:
            missing.append("--token-rootcertbundle or --token-jwks")
        if missing:
            raise UserError(f"--auth token needs {', '.join(missing)}")
        if security.access_rules or anonymous:
            raise UserError(
                "--access-rules and --anonymous-pull belong to the token issuer in token mode (specgen token-server)"
            )
    if mode == "none" and (security.access_rules or anonymous):
        raise UserError("--access-rules and --anonymous-pull need --auth htpasswd")
    security.policy()  # load every file now: a bad one stops the start with one line
    return security


#: The configuration keys (``specgen.config.settings``) of each field ``from_args`` reads.
SETTING_KEYS = {
    "auth": "auth.mode",
    "htpasswd": "auth.htpasswd",
    "auth_realm": "auth.realm",
    "access_rules": "auth.access_rules",
    "anonymous_pull": "auth.anonymous_pull",
    "token_realm": "auth.token_realm",
    "token_service": "auth.token_service",
    "token_issuer": "auth.token_issuer",
    "token_rootcertbundle": "auth.token_rootcertbundle",
    "token_jwks": "auth.token_jwks",
    "tls_cert": "tls.cert",
    "tls_key": "tls.key",
    "tls_client_ca": "tls.client_ca",
}


def from_settings(values: Mapping[str, Any]) -> Security:
    """The checked settings of ``specgen serve`` from its resolved configuration (file, variables
    and flags already layered by ``specgen.config``)."""
    return from_args(argparse.Namespace(**{field: values.get(key) or None for field, key in SETTING_KEYS.items()}))


def from_env() -> Security:
    """The settings the parent process put in ``SPECGEN_SECURITY`` (none: auth and TLS off)."""
    raw = os.environ.get(ENV)
    if not raw:
        return Security()
    data = json.loads(raw)
    data["tls"] = TLS(**data.get("tls") or {})
    return Security(**data)
