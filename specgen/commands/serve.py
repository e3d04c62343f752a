"""``specgen serve``: the reference registry on uvicorn (httptools, zero-copy blob sends), or the
generated stub of any other set (``specgen.server.serving`` decides which)."""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

from specgen import config
from specgen.config import flags as config_flags
from specgen.descriptors import DEFAULT_SET, load_set
from specgen.errors import UserError
from specgen.server import operate


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
        "--config",
        metavar="FILE",
        default=os.environ.get("SPECGEN_CONFIG"),
        help="YAML configuration file (docs/configuration.md; `specgen config-schema` prints its "
        "schema); flags and SPECGEN_* variables override it (default: $SPECGEN_CONFIG)",
    )
    p.add_argument(
        "--check-config", action="store_true", help="validate the configuration (file, variables, flags) and exit"
    )
    # every other option is a key of the settings table (specgen/config/settings.py)
    config_flags.add_arguments(p)
    p.set_defaults(func=run)


def settings(args: argparse.Namespace) -> config.Resolved:
    """The settings in effect: defaults < ``--config`` file < ``SPECGEN_*`` variables < flags."""
    return config.resolve(args.config, config_flags.given(args))


def run(args: argparse.Namespace) -> int:
    cfg = settings(args)
    from specgen.auth import settings as security_settings
    from specgen.server import limits

    server_limits = limits.from_settings(cfg.values)
    # loads the htpasswd, rules, keys and certificates: a bad one is exit 2, with --check-config too
    security = security_settings.from_settings(cfg.values)
    if args.check_config:
        changed = ", ".join(f"{key} ({source})" for key, source in sorted(cfg.sources.items()))
        print(f"specgen: configuration valid{': ' + changed if changed else ' (all defaults)'}")
        return 0

    import uvicorn

    from specgen.server import serving

    spec = cfg["set"] or DEFAULT_SET
    limits.set_current(server_limits)
    os.environ[limits.ENV_LIMITS] = server_limits.to_env()  # the workers' limits
    dset = load_set(spec)  # SetNotFound (exit 2) names the bundled sets
    if Path(spec).exists():  # a set file or folder: worker processes may not share our cwd
        spec = str(Path(spec).resolve())
    registry = serving.is_registry(dset)
    upload_ttl = cfg["uploads.ttl"]
    if security.auth != "none" and not registry:
        raise UserError(f"--auth needs a set with the registry routes; {dset.name} has none")
    with contextlib.ExitStack() as stack:
        env = {serving.ENV_SET: spec, serving.ENV_TTL: str(upload_ttl), **security.to_env()}
        if serving.is_bundled(spec, dset):
            server = serving.committed_stub(dset.name)
        else:  # a set of the user's: its stub is generated here, for this run only
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="specgen-stub-")))
            package = serving.write_stub(dset, folder)
            server = serving.import_stub(package)
            env[serving.ENV_STUB] = str(package)
        root = None
        if registry:
            driver, params = _driver(cfg)
            if driver == "filesystem":
                root = Path(params.get("root") or cfg["storage.root"]).resolve()  # a root param wins over --root
                params["root"] = str(root)
            try:
                if root is not None:
                    root.mkdir(parents=True, exist_ok=True)
                    with tempfile.TemporaryFile(dir=root):  # writable? (os.access says yes to root anywhere)
                        pass
                # fail here, clearly, if the stub or the storage is unusable
                serving.create_app(dset, server, None, upload_ttl=upload_ttl, driver=driver, driver_params=params)
            except OSError as exc:
                raise UserError(f"cannot use --root {cfg['storage.root']}: {exc}") from None
            env[serving.ENV_DRIVER] = driver
            env[serving.ENV_DRIVER_PARAMS] = json.dumps(params)
        else:
            serving.create_app(dset, server, None)
        # what the outer layers of every worker read (specgen.server.operate)
        env[operate.ENV_SETTINGS] = json.dumps(cfg.values)
        if cfg["http.workers"] > 1 and cfg["metrics.enabled"]:  # one /metrics over every worker
            env[operate.ENV_METRICS_DIR] = stack.enter_context(tempfile.TemporaryDirectory(prefix="specgen-metrics-"))
        os.environ.update(env)
        operate.configure_logging(cfg.values)
        return _serve(
            cfg,
            uvicorn,
            f"set {dset.name}"
            + (
                f" from {root or env.get(serving.ENV_DRIVER)}"
                if registry
                else " (no backend: every declared request answers 501 UNSUPPORTED)"
            ),
        )


def storage_driver(cfg: config.Resolved) -> Any:
    """A storage driver built from the settings (``specgen gc`` uses the server's storage so)."""
    from specgen.registry.storage import factory

    name, params = _driver(cfg)
    if name == "filesystem":
        params["root"] = str(Path(params.get("root") or cfg["storage.root"]).resolve())
        if not Path(params["root"]).is_dir():
            raise UserError(f"no registry storage at {params['root']} (--root, storage.root)")
    return factory.create(name, **params)


def _driver(cfg: config.Resolved) -> tuple[str, dict[str, Any]]:
    """The storage driver's name and parameters (already layered: flags over variables over file)."""
    from specgen.registry.storage import factory

    name = cfg["storage.driver"]
    if name not in factory.names():
        raise UserError(f"--driver {name!r} is not a storage driver (known: {', '.join(factory.names())})")
    return name, dict(cfg["storage.parameters"])


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket. A port still held by the workers of a server killed a moment ago
    (they exit with their parent, within a second or so) is waited for, briefly."""
    deadline = time.monotonic() + BIND_WAIT
    while True:
        # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets whose proto says TCP,
        # and without it a response written in two parts waits out the peer's delayed ACK (40 ms)
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            return sock
        except OSError as exc:
            sock.close()
            if exc.errno != errno.EADDRINUSE or port == 0 or time.monotonic() > deadline:
                raise UserError(f"cannot listen on {host}:{port}: {exc}") from None
            time.sleep(0.1)


#: Seconds ``specgen serve`` waits for a port in use to be freed.
BIND_WAIT = 3.0


def _serve(cfg: config.Resolved, uvicorn: Any, what: str) -> int:
    from specgen.auth import settings as security_settings
    from specgen.server import limits, process

    host, port, workers = cfg["http.host"], cfg["http.port"], cfg["http.workers"]
    process.raise_nofile_limit()
    sock = _listen(host, port)
    port = sock.getsockname()[1]
    if workers > 1:  # workers die with this process (PR_SET_PDEATHSIG), never orphaned
        os.environ[process.ENV_PARENT] = str(os.getpid())
    config = uvicorn.Config(
        "specgen.server.process:worker_app" if workers > 1 else "specgen.server.serving:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http="specgen.server.uvicorn_zerocopy:ZeroCopyHttpToolsProtocol",
        loop="asyncio",
        lifespan="on",
        log_level=cfg["log.level"],
        access_log=False,  # specgen.server.observe writes the access log (with the request id)
        **security_settings.from_env().tls.uvicorn_kwargs(),
        timeout_keep_alive=limits.current().keepalive_timeout,
        timeout_graceful_shutdown=10,
        proxy_headers=False,
        server_header=False,
    )
    print(
        f"specgen: serving {what} on {security_settings.from_env().scheme}://{host}:{port} ({workers} worker{'s' if workers > 1 else ''})",
        flush=True,
    )
    server = uvicorn.Server(config)
    if workers == 1:
        server.run(sockets=[sock])
    else:
        from uvicorn.supervisors import Multiprocess

        sock.set_inheritable(True)
        Multiprocess(config, sockets=[sock]).run()
    return 0
