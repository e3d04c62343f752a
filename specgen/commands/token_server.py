"""``specgen token-server``: the token service of distribution's docs/spec/auth (token.md, oauth.md)
— the ``token_auth`` set's generated stub served with ``specgen.auth.issuer.TokenService`` behind
it, so the API described is the API served. Users from an htpasswd file, grants from access rules;
tokens signed with a key whose certificate the registry trusts (``specgen serve --auth token
--token-rootcertbundle CERT`` or docker-registry's ``auth: token: rootcertbundle``)."""

from __future__ import annotations

import argparse
import os

from specgen.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    from specgen.auth import settings

    p = sub.add_parser(
        "token-server",
        help="issue registry bearer tokens (docs/auth.md)",
        description="Serve the token service (set token_auth): GET /token with basic credentials "
        "or none, POST /token (OAuth2 password and refresh_token grants). Tokens are JWTs signed "
        "with --signing-key, carrying --signing-cert in their x5c header.",
    )
    p.add_argument(
        "--signing-key", metavar="FILE", help="PEM private key, RSA or EC P-256 ($SPECGEN_TOKEN_SIGNING_KEY)"
    )
    p.add_argument(
        "--signing-cert",
        metavar="FILE",
        help="its PEM certificate (chain): what registries trust ($SPECGEN_TOKEN_SIGNING_CERT)",
    )
    p.add_argument(
        "--issuer", metavar="NAME", help="the tokens' iss (default: specgen-token-server) ($SPECGEN_TOKEN_ISSUER)"
    )
    p.add_argument(
        "--service",
        action="append",
        default=[],
        metavar="NAME",
        help="a service (registry) to issue tokens for (repeatable; default: any asked for)",
    )
    p.add_argument("--lifetime", type=int, default=300, metavar="SECONDS", help="token lifetime (default: 300)")
    settings.add_identity_arguments(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", default=5001, type=int, help="port (default: 5001; 0 picks a free one)")
    p.add_argument("--log-level", default="warning", help="uvicorn log level (default: warning)")
    settings.add_tls_arguments(p)
    p.set_defaults(func=run)


def build_issuer(args: argparse.Namespace):  # -> specgen.auth.issuer.Issuer
    from specgen.auth import settings
    from specgen.auth.htpasswd import Htpasswd
    from specgen.auth.issuer import Issuer
    from specgen.auth.keys import SigningKey

    key_path = args.signing_key or os.environ.get("SPECGEN_TOKEN_SIGNING_KEY")
    cert_path = args.signing_cert or os.environ.get("SPECGEN_TOKEN_SIGNING_CERT")
    if not key_path or not cert_path:
        raise UserError("token-server needs --signing-key and --signing-cert (see docs/auth.md to make them)")
    if not args.lifetime > 0:
        raise UserError(f"--lifetime {args.lifetime} must be a positive number of seconds")
    htpasswd = args.htpasswd or os.environ.get("SPECGEN_HTPASSWD")
    rules_path = args.access_rules or os.environ.get("SPECGEN_ACCESS_RULES")
    return Issuer(
        SigningKey.load(key_path, cert_path),
        issuer=args.issuer or os.environ.get("SPECGEN_TOKEN_ISSUER") or "specgen-token-server",
        users=Htpasswd.load(htpasswd) if htpasswd else None,
        rules=settings.load_rules(rules_path, settings.anonymous_pull_from_args(args)),
        services=tuple(args.service),
        lifetime=args.lifetime,
    )


def create_app(issuer):  # -> specgen.server.runtime.App
    from specgen.auth.issuer import TokenService
    from specgen.server.serving import committed_stub

    return committed_stub("token_auth").create_app(TokenService(issuer))


def run(args: argparse.Namespace) -> int:
    import socket

    import uvicorn

    from specgen.auth import settings

    issuer = build_issuer(args)
    tls = settings.tls_from_args(args)
    if not 0 <= args.port <= 65535:
        raise UserError(f"--port {args.port} is not a TCP port")
    try:
        sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((args.host, args.port))
    except OSError as exc:
        raise UserError(f"cannot listen on {args.host}:{args.port}: {exc}") from None
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(issuer),
        host=args.host,
        port=port,
        log_level=args.log_level,
        lifespan="on",
        server_header=False,
        **tls.uvicorn_kwargs(),
    )
    scheme = "https" if tls.on else "http"
    print(
        f"specgen: token server on {scheme}://{args.host}:{port}/token (issuer {issuer.issuer}, "
        f"key id {issuer.key.kid})",
        flush=True,
    )
    uvicorn.Server(config).run(sockets=[sock])
    return 0
