"""Keys: the issuer's signing key and certificate, the registry's trusted roots and JWKS.

distribution trusts a token's signing key when the token's ``x5c`` chain leads to a certificate of
its ``rootcertbundle``, or when its ``kid`` names a trusted key: the libtrust key id of a root
certificate's public key, or the ``kid`` of a key in its JWKS.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from specgen.errors import UserError

PublicKey = Any  # rsa.RSAPublicKey | ec.EllipticCurvePublicKey


def _spki(key: PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def libtrust_key_id(key: PublicKey) -> str:
    """docker/libtrust's key id: SHA-256 of the DER public key, first 240 bits, base32, in groups
    of four joined by ``:`` (what distribution 2.x matches a token's ``kid`` with)."""
    encoded = base64.b32encode(hashlib.sha256(_spki(key)).digest()[:30]).decode().rstrip("=")
    return ":".join(encoded[i : i + 4] for i in range(0, len(encoded), 4))


def algorithm(key: PublicKey) -> str:
    """The JWS algorithm for a key: RS256 for RSA, ES256/384/512 for the NIST curves."""
    if isinstance(key, rsa.RSAPublicKey):
        return "RS256"
    if isinstance(key, ec.EllipticCurvePublicKey):
        curves = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
        if key.curve.name in curves:
            return curves[key.curve.name]
    raise UserError(f"unsupported signing key {type(key).__name__} (use RSA or an EC key on P-256, P-384 or P-521)")


def load_certificates(path: str | Path, what: str = "certificate bundle") -> list[x509.Certificate]:
    try:
        certs = x509.load_pem_x509_certificates(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read {what} {path}: {exc}") from None
    return certs


@dataclass
class SigningKey:
    """The issuer's private key and the certificate chain sent in each token's ``x5c``."""

    private_key: Any
    chain: list[x509.Certificate]

    @property
    def alg(self) -> str:
        return algorithm(self.private_key.public_key())

    @property
    def kid(self) -> str:
        return libtrust_key_id(self.private_key.public_key())

    def x5c(self) -> list[str]:
        return [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in self.chain]

    @classmethod
    def load(cls, key_path: str | Path, cert_path: str | Path) -> SigningKey:
        """Read a PEM private key and its certificate (chain); refuse a key the certificate does not
        certify."""
        try:
            key = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise UserError(f"cannot read private key {key_path}: {exc}") from None
        chain = load_certificates(cert_path, "certificate")
        if not chain:
            raise UserError(f"no certificate in {cert_path}")
        if _spki(chain[0].public_key()) != _spki(key.public_key()):
            raise UserError(f"private key {key_path} does not match the certificate {cert_path}")
        algorithm(key.public_key())
        return cls(key, chain)


@dataclass
class TrustedKeys:
    """What a registry trusts: root certificates and keys by id."""

    roots: list[x509.Certificate] = field(default_factory=list)
    by_kid: dict[str, PublicKey] = field(default_factory=dict)

    @classmethod
    def load(cls, rootcertbundle: str | Path | None = None, jwks: str | Path | None = None) -> TrustedKeys:
        trusted = cls()
        if rootcertbundle:
            trusted.roots = load_certificates(rootcertbundle, "root certificate bundle")
            if not trusted.roots:
                raise UserError(f"no certificate in the root certificate bundle {rootcertbundle}")
            for cert in trusted.roots:
                trusted.by_kid[libtrust_key_id(cert.public_key())] = cert.public_key()
        if jwks:
            trusted.by_kid.update(load_jwks(jwks))
        return trusted

    def verify_chain(self, x5c: list[str], now: datetime.datetime | None = None) -> PublicKey:
        """The leaf's public key if the chain (leaf first) leads to one of the roots; ``ValueError``
        otherwise. Like Go's ``x509.Verify`` with ``ExtKeyUsageAny``: signatures and validity."""
        now = now or datetime.datetime.now(datetime.UTC)
        try:
            chain = [x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in x5c]
        except (ValueError, TypeError) as exc:
            raise ValueError(f"bad x5c certificate: {exc}") from None
        if not chain:
            raise ValueError("empty x5c header")
        for cert in chain:
            if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
                raise ValueError("a certificate of the x5c chain is expired or not yet valid")
        roots = {_fingerprint(r): r for r in self.roots}
        for i, cert in enumerate(chain):
            if _fingerprint(cert) in roots:
                return chain[0].public_key()
            for root in self.roots:
                if _issued_by(cert, root):
                    return chain[0].public_key()
            if i + 1 < len(chain) and not _issued_by(cert, chain[i + 1]):
                break
        raise ValueError("the x5c chain does not lead to a trusted root certificate")


def _fingerprint(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
        return True
    except (ValueError, TypeError, Exception):  # InvalidSignature and unsupported key types alike
        return False


def load_jwks(path: str | Path) -> dict[str, PublicKey]:
    """The public keys of a JWKS file (``{"keys": [...]}``), by ``kid``."""
    import jwt

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        keys = {}
        for entry in data["keys"]:
            if "kid" not in entry:
                raise ValueError("a key without 'kid'")
            keys[entry["kid"]] = jwt.PyJWK(entry).key
        return keys
    except (OSError, ValueError, KeyError, TypeError, jwt.PyJWKError) as exc:
        raise UserError(f"cannot read JWKS {path}: {exc}") from None


def jwks(keys: list[PublicKey]) -> dict:
    """A JWKS document of public keys, each with its libtrust key id as ``kid``."""
    from jwt.algorithms import ECAlgorithm, RSAAlgorithm

    out = []
    for key in keys:
        entry = json.loads(RSAAlgorithm.to_jwk(key) if isinstance(key, rsa.RSAPublicKey) else ECAlgorithm.to_jwk(key))
        entry.update(kid=libtrust_key_id(key), alg=algorithm(key), use="sig")
        out.append(entry)
    return {"keys": out}
