"""Where the registry keeps its data: the driver interface (``driver``), drivers by name
(``factory``) and the drivers shipped with specgen (``filesystem``, ``s3``)."""

from specgen.registry.storage.driver import (
    BlobBody,
    BlobUnknown,
    DigestMismatch,
    IncomingBody,
    InvalidName,
    RangeMismatch,
    RawReader,
    StorageDriver,
    StorageError,
    StorageUnavailable,
    UploadBusy,
    UploadInfo,
    UploadUnknown,
)
from specgen.registry.storage.factory import create, names, register

__all__ = [
    "BlobBody",
    "BlobUnknown",
    "DigestMismatch",
    "IncomingBody",
    "InvalidName",
    "RangeMismatch",
    "RawReader",
    "StorageDriver",
    "StorageError",
    "StorageUnavailable",
    "UploadBusy",
    "UploadInfo",
    "UploadUnknown",
    "create",
    "names",
    "register",
]
