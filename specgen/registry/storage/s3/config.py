"""The S3 driver's parameters (``specgen serve --driver s3 --driver-param KEY=VALUE``), named as
distribution's s3 driver names them, and the check at start that they reach a usable bucket.

Parameters: ``bucket`` (required), ``regionendpoint`` (or ``endpoint``: the S3 URL, e.g.
``http://127.0.0.1:8333``; default AWS), ``region`` (default ``us-east-1``), ``accesskey`` /
``secretkey`` (default: ``$SPECGEN_S3_ACCESS_KEY`` / ``$SPECGEN_S3_SECRET_KEY``, then
``$AWS_ACCESS_KEY_ID`` / ``$AWS_SECRET_ACCESS_KEY``, then botocore's own chain), ``rootdirectory``
(a key prefix), ``chunksize`` (multipart part size in bytes, at least 5 MiB; default 8 MiB),
``redirect`` (``true``: blob GETs answer 307 to a presigned URL; default false),
``forcepathstyle`` (default true), ``check`` (default true: refuse to start unless the bucket
answers).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from specgen.errors import UserError

MiB = 1 << 20
#: S3's smallest part (all but the last of a multipart upload).
MIN_PART = 5 * MiB
DEFAULT_PART = 8 * MiB

ACCESS_KEY_ENV = ("SPECGEN_S3_ACCESS_KEY", "AWS_ACCESS_KEY_ID")
SECRET_KEY_ENV = ("SPECGEN_S3_SECRET_KEY", "AWS_SECRET_ACCESS_KEY")


def _bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise UserError(f"s3 driver: {name}={value!r} is not true or false")


def _env(names: tuple[str, ...]) -> str | None:
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    return None


@dataclass(frozen=True)
class S3Config:
    bucket: str
    endpoint: str | None
    region: str
    access_key: str | None
    secret_key: str | None
    prefix: str
    part_size: int
    redirect: bool
    path_style: bool
    check: bool

    def __repr__(self) -> str:  # never print the secret
        return f"S3Config(bucket={self.bucket!r}, endpoint={self.endpoint!r}, prefix={self.prefix!r})"

    @property
    def where(self) -> str:
        return f"bucket {self.bucket!r} at {self.endpoint or 'AWS S3'}"


def parse(
    bucket: str | None = None,
    regionendpoint: str | None = None,
    endpoint: str | None = None,
    region: str = "us-east-1",
    accesskey: str | None = None,
    secretkey: str | None = None,
    rootdirectory: str = "",
    chunksize: int | str = DEFAULT_PART,
    redirect: bool | str = False,
    forcepathstyle: bool | str = True,
    check: bool | str = True,
) -> S3Config:
    """The driver's settings from its parameters (strings from the command line, or typed)."""
    if not bucket:
        raise UserError("s3 driver: the 'bucket' parameter is required (--driver-param bucket=NAME)")
    url = regionendpoint or endpoint
    if url and not url.startswith(("http://", "https://")):
        raise UserError(f"s3 driver: endpoint {url!r} is not an http:// or https:// URL")
    try:
        part = int(chunksize)
    except ValueError:
        raise UserError(f"s3 driver: chunksize={chunksize!r} is not a number of bytes") from None
    if part < MIN_PART:
        raise UserError(f"s3 driver: chunksize={part} is below S3's minimum part size ({MIN_PART} bytes)")
    return S3Config(
        bucket=bucket,
        endpoint=url.rstrip("/") if url else None,
        region=region or "us-east-1",
        access_key=accesskey or _env(ACCESS_KEY_ENV),
        secret_key=secretkey or _env(SECRET_KEY_ENV),
        prefix=rootdirectory.strip("/"),
        part_size=part,
        redirect=_bool("redirect", redirect),
        path_style=_bool("forcepathstyle", forcepathstyle),
        check=_bool("check", check),
    )


def botocore_config(cfg: S3Config, attempts: int = 2, pool: int = 64) -> Any:
    """botocore's client settings: path-style addressing (SeaweedFS, MinIO), no payload signing and
    no extra checksums (the registry verifies every blob by its digest; hashing each part twice
    more would cost CPU), bounded retries and timeouts so an outage becomes an answer."""
    from botocore.config import Config

    return Config(
        region_name=cfg.region,
        signature_version="s3v4",
        s3={"addressing_style": "path" if cfg.path_style else "auto", "payload_signing_enabled": False},
        retries={"max_attempts": attempts, "mode": "standard"},
        connect_timeout=5,
        read_timeout=60,
        max_pool_connections=pool,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )


def client_kwargs(cfg: S3Config) -> dict[str, Any]:
    kw: dict[str, Any] = {"region_name": cfg.region}
    if cfg.endpoint:
        kw["endpoint_url"] = cfg.endpoint
    if cfg.access_key and cfg.secret_key:
        kw["aws_access_key_id"] = cfg.access_key
        kw["aws_secret_access_key"] = cfg.secret_key
    return kw


def check_bucket(cfg: S3Config) -> None:
    """Refuse a configuration that cannot work, with one clear line (``UserError``, exit 2): an
    endpoint that does not answer, credentials it refuses, a bucket that is not there."""
    import botocore.session
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    client = botocore.session.get_session().create_client(
        "s3", config=botocore_config(cfg, attempts=1, pool=1), **client_kwargs(cfg)
    )
    try:
        client.head_bucket(Bucket=cfg.bucket)
        # HEAD of a missing key proves the credentials may read keys (some stores let anyone HEAD a bucket)
        client.list_objects_v2(Bucket=cfg.bucket, MaxKeys=1, Prefix=cfg.prefix)
    except NoCredentialsError:
        raise UserError(
            "s3 driver: no credentials: pass accesskey/secretkey or set SPECGEN_S3_ACCESS_KEY and "
            "SPECGEN_S3_SECRET_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
        ) from None
    except ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = exc.response.get("Error", {}).get("Code", "")
        if status == 404 or code in ("NoSuchBucket", "404", "NotFound"):
            raise UserError(f"s3 driver: {cfg.where} does not exist (create it first)") from None
        if status in (401, 403) or code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied"):
            raise UserError(f"s3 driver: {cfg.where} refused the credentials ({code or status})") from None
        raise UserError(f"s3 driver: {cfg.where} answered {code or status}") from None
    except BotoCoreError as exc:
        raise UserError(f"s3 driver: cannot reach {cfg.where}: {exc}") from None
    finally:
        client.close()
