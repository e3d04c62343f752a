"""The Python client: ``RegistryClient`` for the calls people make, on top of the generated
per-request client (``specgen._generated.<set>.client``), and the runtime both share.

The generated client is imported when a ``RegistryClient`` is made, not here, so the generated
modules can import ``specgen.client.runtime`` without a cycle.
"""

from specgen.client.auth import AuthError, RegistryAuth
from specgen.client.errors import APIError, ClientError, DigestMismatch, UnexpectedResponse
from specgen.client.registry import Manifest, RegistryClient
from specgen.client.runtime import Transport, TransportError

__all__ = [
    "APIError",
    "AuthError",
    "ClientError",
    "DigestMismatch",
    "Manifest",
    "RegistryAuth",
    "RegistryClient",
    "Transport",
    "TransportError",
    "UnexpectedResponse",
]


def __getattr__(name: str):
    """``from specgen.client import BlobUnknown``: the shared class of that error code."""
    from specgen.client import errors

    return getattr(errors, name)
