"""The settings table: every key of ``specgen serve``'s configuration, once.

The JSON Schema (``specgen config-schema``), the ``serve`` command's flags, the ``SPECGEN_*``
environment variables and ``docs/configuration.md`` are all derived from ``SETTINGS``, so a new
setting is one ``Setting`` entry here: a dotted key whose first part is its section (``http``,
``storage``, ``log``...), its JSON type, default, help, and optionally its flag and variable.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from specgen.server.limits import HELP as LIMIT_HELP
from specgen.server.limits import Limits

#: The sections, in the order the schema and the docs list them, with a line about each.
SECTIONS: dict[str, str] = {
    "": "What is served.",
    "http": "Where and how the server listens.",
    "limits": "Limits on what a client may send.",
    "auth": "Who may do what.",
    "tls": "HTTPS.",
    "storage": "Where the registry keeps its data.",
    "uploads": "Blob upload sessions.",
    "registry": "Modes of the registry: read-only, deletes on or off.",
    "log": "The server's log and the access log.",
    "gc": "Garbage collection of unreferenced blobs while the server runs.",
    "health": "Liveness and readiness endpoints (for a load balancer or an orchestrator).",
    "metrics": "Prometheus metrics.",
}


@dataclass(frozen=True)
class Setting:
    """One configuration key.

    ``type`` is a JSON Schema type (``string``, ``integer``, ``number``, ``boolean``, ``object``);
    ``nullable`` lets it be ``null`` (= no value: the built-in behaviour). ``flag`` is the ``serve``
    option (none: file and environment only), ``env`` the variable (derived from the key unless
    given: ``http.port`` → ``SPECGEN_HTTP_PORT``)."""

    key: str
    type: str
    default: Any
    help: str
    flag: str | None = None
    env: str | None = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    nullable: bool = False
    metavar: str | None = None
    #: for an object: the JSON types of its values
    values: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def section(self) -> str:
        return self.key.rpartition(".")[0]

    @property
    def name(self) -> str:
        return self.key.rpartition(".")[2]

    @property
    def env_var(self) -> str:
        return self.env or "SPECGEN_" + self.key.replace(".", "_").upper()

    @property
    def dest(self) -> str:
        """The attribute of the parsed flags (``http.port`` → ``http__port``)."""
        return self.key.replace(".", "__")


PATH = {"pattern": "^/[^?#]*$"}


def _limit_settings() -> tuple[Setting, ...]:
    """The server's limits and timeouts, defined with their defaults in ``specgen.server.limits``."""
    defaults = Limits()
    out = []
    for f in fields(Limits):
        default = getattr(defaults, f.name)
        seconds = isinstance(default, float)
        out.append(
            Setting(
                f"limits.{f.name}",
                "number" if seconds else "integer",
                default,
                LIMIT_HELP[f.name],
                flag="--" + f.name.replace("_", "-"),
                exclusive_minimum=0,
                metavar="SECONDS" if seconds else "N",
            )
        )
    return tuple(out)


LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "set",
        "string",
        None,
        "descriptor set: bundled name, set file or folder, module:ATTR or dump .json (null: oci_v1_1)",
        flag="--set",
        nullable=True,
        metavar="SET",
    ),
    # -- http --
    Setting("http.host", "string", "127.0.0.1", "address to bind", flag="--host"),
    Setting("http.port", "integer", 5000, "TCP port (0 picks a free one)", flag="--port", minimum=0, maximum=65535),
    Setting("http.workers", "integer", 1, "worker processes sharing the storage", flag="--workers", minimum=1),
    # -- limits: one per field of specgen.server.limits.Limits --
    *_limit_settings(),
    # -- auth and tls: specgen.auth.settings reads them (docs/auth.md) --
    Setting(
        "auth.mode",
        "string",
        "none",
        "none, htpasswd (basic auth) or token (bearer JWTs); an htpasswd file or a token realm given alone chooses its mode",
        flag="--auth",
        env="SPECGEN_AUTH",
        choices=("none", "htpasswd", "token"),
    ),
    Setting(
        "auth.htpasswd",
        "string",
        None,
        "users: an htpasswd file of bcrypt hashes",
        flag="--htpasswd",
        env="SPECGEN_HTPASSWD",
        nullable=True,
        metavar="FILE",
    ),
    Setting("auth.realm", "string", "specgen", "the basic auth realm", flag="--auth-realm", env="SPECGEN_AUTH_REALM"),
    Setting(
        "auth.access_rules",
        "string",
        None,
        "who may pull, push and delete where (YAML, docs/auth.md; null: every user everything)",
        flag="--access-rules",
        env="SPECGEN_ACCESS_RULES",
        nullable=True,
        metavar="FILE",
    ),
    Setting(
        "auth.anonymous_pull",
        "boolean",
        False,
        "callers without credentials may pull every repository",
        flag="--anonymous-pull",
        env="SPECGEN_ANONYMOUS_PULL",
    ),
    Setting(
        "auth.token_realm",
        "string",
        None,
        "token auth: the token service's URL, sent in challenges",
        flag="--token-realm",
        env="SPECGEN_TOKEN_REALM",
        nullable=True,
        metavar="URL",
    ),
    Setting(
        "auth.token_service",
        "string",
        None,
        "token auth: this registry's service name (the tokens' audience)",
        flag="--token-service",
        env="SPECGEN_TOKEN_SERVICE",
        nullable=True,
        metavar="NAME",
    ),
    Setting(
        "auth.token_issuer",
        "string",
        None,
        "token auth: the issuer the tokens must name",
        flag="--token-issuer",
        env="SPECGEN_TOKEN_ISSUER",
        nullable=True,
        metavar="NAME",
    ),
    Setting(
        "auth.token_rootcertbundle",
        "string",
        None,
        "token auth: PEM certificates trusted to sign tokens",
        flag="--token-rootcertbundle",
        env="SPECGEN_TOKEN_ROOTCERTBUNDLE",
        nullable=True,
        metavar="FILE",
    ),
    Setting(
        "auth.token_jwks",
        "string",
        None,
        "token auth: a JWKS file of keys trusted to sign tokens (by kid)",
        flag="--token-jwks",
        env="SPECGEN_TOKEN_JWKS",
        nullable=True,
        metavar="FILE",
    ),
    Setting(
        "tls.cert",
        "string",
        None,
        "serve HTTPS with this PEM certificate (chain)",
        flag="--tls-cert",
        env="SPECGEN_TLS_CERT",
        nullable=True,
        metavar="FILE",
    ),
    Setting(
        "tls.key",
        "string",
        None,
        "the certificate's PEM private key",
        flag="--tls-key",
        env="SPECGEN_TLS_KEY",
        nullable=True,
        metavar="FILE",
    ),
    Setting(
        "tls.client_ca",
        "string",
        None,
        "require client certificates signed by these PEM CAs (mutual TLS)",
        flag="--tls-client-ca",
        env="SPECGEN_TLS_CLIENT_CA",
        nullable=True,
        metavar="FILE",
    ),
    # -- storage --
    Setting(
        "storage.driver",
        "string",
        "filesystem",
        "storage driver of the registry backend",
        flag="--driver",
        env="SPECGEN_DRIVER",
        metavar="NAME",
    ),
    Setting(
        "storage.parameters",
        "object",
        {},
        "parameters of the storage driver (the flag is repeatable, KEY=VALUE; the variable is a JSON object)",
        flag="--driver-param",
        env="SPECGEN_DRIVER_PARAMS",
        metavar="KEY=VALUE",
        values=("string", "number", "boolean"),
    ),
    Setting(
        "storage.root",
        "string",
        "specgen-registry",
        "the filesystem driver's folder (a `root` in storage.parameters wins)",
        flag="--root",
        metavar="DIR",
    ),
    # -- uploads --
    Setting(
        "uploads.ttl",
        "number",
        24 * 3600,
        "seconds after which an untouched upload session is removed",
        flag="--upload-ttl",
        env="SPECGEN_UPLOAD_TTL",
        exclusive_minimum=0,
        metavar="SECONDS",
    ),
    # -- registry modes --
    Setting(
        "registry.read_only",
        "boolean",
        False,
        "answer every write (push, delete, upload) 405 UNSUPPORTED, as distribution's read-only maintenance mode",
        flag="--read-only",
    ),
    Setting(
        "registry.delete_enabled",
        "boolean",
        True,
        "allow deleting manifests, tags and blobs (off: 405 UNSUPPORTED, as distribution with delete.enabled false)",
        flag="--delete-enabled",
    ),
    # -- log --
    Setting("log.level", "string", "warning", "level of the server's own log", flag="--log-level", choices=LOG_LEVELS),
    Setting("log.access", "boolean", True, "log every request (to stderr)", flag="--access-log"),
    Setting(
        "log.format",
        "string",
        "combined",
        "access log format: Apache combined (plus request id and duration) or one JSON object per line",
        flag="--log-format",
        choices=("combined", "json"),
    ),
    # -- gc --
    Setting(
        "gc.interval",
        "number",
        0,
        "run garbage collection every this many seconds while serving (0: never; never in read-only mode)",
        flag="--gc-interval",
        minimum=0,
        metavar="SECONDS",
    ),
    Setting(
        "gc.grace",
        "number",
        3600,
        "never collect a blob stored or referenced less than this many seconds ago",
        flag="--gc-grace",
        minimum=0,
        metavar="SECONDS",
    ),
    Setting(
        "gc.delete_untagged",
        "boolean",
        False,
        "also collect manifests no tag (and no kept index or subject) reaches",
        flag="--gc-delete-untagged",
    ),
    # -- health --
    Setting("health.enabled", "boolean", True, "serve the liveness and readiness endpoints", flag="--health"),
    Setting("health.liveness_path", "string", "/healthz", "liveness: 200 while the process answers", extra=PATH),
    Setting(
        "health.readiness_path",
        "string",
        "/readyz",
        "readiness: 200 when the storage can be written and read back, else 503",
        extra=PATH,
    ),
    # -- metrics --
    Setting("metrics.enabled", "boolean", True, "serve Prometheus metrics", flag="--metrics"),
    Setting("metrics.path", "string", "/metrics", "path of the Prometheus metrics", extra=PATH),
)

BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}


def defaults() -> dict[str, Any]:
    """Every key with its default, as a flat ``{dotted key: value}``."""
    return {s.key: _copy(s.default) for s in SETTINGS}


def _copy(value: Any) -> Any:
    return dict(value) if isinstance(value, dict) else value
