"""``specgen serve``: the reference registry on uvicorn (httptools, zero-copy blob sends), or the
generated stub of any other set (``specgen.server.serving`` decides which)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import tempfile
from pathlib import Path
from typing import Any

from specgen.descriptors import DEFAULT_SET, load_set
from specgen.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="run the reference registry (generated stub + filesystem backend)",
        description="Serve a descriptor set's generated ASGI stub on uvicorn. A set with "
        "the registry routes is served by the filesystem registry backend (requests it adds "
        "answer 501 UNSUPPORTED); any other set, e.g. one of your own, answers every "
        "declared request with 501 UNSUPPORTED. A set that is not bundled needs no "
        "`specgen build`: its stub is generated for the run.",
    )
    p.add_argument(
        "--set",
        dest="set_name",
        default=None,
        help=f"descriptor set: bundled name, set file or folder, module:ATTR or dump .json (default: {DEFAULT_SET})",
    )
    p.add_argument(
        "--driver",
        default=None,
        metavar="NAME",
        help="storage driver of the registry backend (default: $SPECGEN_DRIVER or filesystem)",
    )
    p.add_argument(
        "--driver-param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter of the storage driver (repeatable; also $SPECGEN_DRIVER_PARAMS, "
        "a JSON object, which these override)",
    )
    p.add_argument(
        "--root",
        default="specgen-registry",
        type=Path,
        help="the filesystem driver's storage directory (default: ./specgen-registry)",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", default=5000, type=int, help="port (default: 5000; 0 picks a free one)")
    p.add_argument("--workers", default=1, type=int, help="worker processes sharing the root (default: 1)")
    p.add_argument(
        "--upload-ttl",
        default=24 * 3600,
        type=float,
        metavar="SECONDS",
        help="remove upload sessions untouched this long (default: 86400)",
    )
    p.add_argument("--log-level", default="warning", help="uvicorn log level (default: warning)")
    p.add_argument("--access-log", action="store_true", help="log every request")
    from specgen.auth import settings as security_settings  # auth, rules, TLS: docs/auth.md

    security_settings.add_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from specgen.server import serving

    spec = args.set_name or DEFAULT_SET
    if args.workers < 1:
        raise UserError("--workers must be at least 1")
    if not args.upload_ttl > 0:  # also NaN; a TTL <= 0 would purge every upload in progress
        raise UserError(f"--upload-ttl {args.upload_ttl} must be a positive number of seconds")
    if not 0 <= args.port <= 65535:
        raise UserError(f"--port {args.port} is not a TCP port (0-65535; 0 picks a free one)")
    dset = load_set(spec)  # SetNotFound (exit 2) names the bundled sets
    if Path(spec).exists():  # a set file or folder: worker processes may not share our cwd
        spec = str(Path(spec).resolve())
    registry = serving.is_registry(dset)
    from specgen.auth import settings as security_settings

    security = security_settings.from_args(args)  # a bad htpasswd, rules file, key: exit 2 here
    if security.auth != "none" and not registry:
        raise UserError(f"--auth needs a set with the registry routes; {dset.name} has none")
    with contextlib.ExitStack() as stack:
        env = {serving.ENV_SET: spec, serving.ENV_TTL: str(args.upload_ttl), **security.to_env()}
        if serving.is_bundled(spec, dset):
            server = serving.committed_stub(dset.name)
        else:  # a set of the user's: its stub is generated here, for this run only
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="specgen-stub-")))
            package = serving.write_stub(dset, folder)
            server = serving.import_stub(package)
            env[serving.ENV_STUB] = str(package)
        root = None
        if registry:
            driver, params = _driver(args)
            if driver == "filesystem":
                root = Path(params.get("root") or args.root).resolve()  # a root param wins over --root
                params["root"] = str(root)
            try:
                if root is not None:
                    root.mkdir(parents=True, exist_ok=True)
                    with tempfile.TemporaryFile(dir=root):  # writable? (os.access says yes to root anywhere)
                        pass
                # fail here, clearly, if the stub or the storage is unusable
                serving.create_app(dset, server, None, upload_ttl=args.upload_ttl, driver=driver, driver_params=params)
            except OSError as exc:
                raise UserError(f"cannot use --root {args.root}: {exc}") from None
            env[serving.ENV_DRIVER] = driver
            env[serving.ENV_DRIVER_PARAMS] = json.dumps(params)
        else:
            serving.create_app(dset, server, None)
        os.environ.update(env)
        return _serve(
            args,
            uvicorn,
            f"set {dset.name}"
            + (
                f" from {root or env.get(serving.ENV_DRIVER)}"
                if registry
                else " (no backend: every declared request answers 501 UNSUPPORTED)"
            ),
        )


def _driver(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The storage driver's name and parameters: flags over ``SPECGEN_DRIVER`` /
    ``SPECGEN_DRIVER_PARAMS`` over the default."""
    from specgen.registry.storage import factory
    from specgen.server import serving

    name = args.driver or os.environ.get(serving.ENV_DRIVER) or serving.DEFAULT_DRIVER
    if name not in factory.names():
        raise UserError(f"--driver {name!r} is not a storage driver (known: {', '.join(factory.names())})")
    params = serving.driver_params_from_env()
    for item in args.driver_param:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UserError(f"--driver-param {item!r} is not KEY=VALUE")
        params[key] = value
    return name, params


def _serve(args: argparse.Namespace, uvicorn: Any, what: str) -> int:
    try:
        # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets whose proto says TCP,
        # and without it a response written in two parts waits out the peer's delayed ACK (40 ms)
        sock = socket.socket(
            socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP
        )
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((args.host, args.port))
    except OSError as exc:
        raise UserError(f"cannot listen on {args.host}:{args.port}: {exc}") from None
    port = sock.getsockname()[1]
    from specgen.auth import settings as security_settings

    config = uvicorn.Config(
        "specgen.server.serving:app_from_env",
        factory=True,
        host=args.host,
        port=port,
        workers=args.workers,
        http="specgen.server.uvicorn_zerocopy:ZeroCopyHttpToolsProtocol",
        loop="asyncio",
        lifespan="on",
        log_level=args.log_level,
        access_log=args.access_log,
        **security_settings.from_env().tls.uvicorn_kwargs(),
        timeout_keep_alive=30,
        proxy_headers=False,
        server_header=False,
    )
    print(
        f"specgen: serving {what} on {security_settings.from_env().scheme}://{args.host}:{port} "
        f"({args.workers} worker{'s' if args.workers > 1 else ''})",
        flush=True,
    )
    server = uvicorn.Server(config)
    if args.workers == 1:
        server.run(sockets=[sock])
    else:
        from uvicorn.supervisors import Multiprocess

        sock.set_inheritable(True)
        Multiprocess(config, sockets=[sock]).run()
    return 0
