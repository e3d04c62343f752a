"""Key material for the auth tests, made in the test session with ``cryptography``: a CA, a TLS
server certificate for 127.0.0.1 signed by it, a client certificate, and token signing keys with
self-signed certificates; htpasswd files of bcrypt hashes."""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _builder(subject: str, issuer: str, public_key, hours: float = 2):
    now = datetime.datetime.now(datetime.UTC)
    return (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
            .public_key(public_key).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(hours=hours)))


@dataclass
class Pair:
    key: Path
    cert: Path


def self_signed(workdir: Path, name: str, kind: str = "ec") -> Pair:
    """A signing key (EC P-256 or RSA 2048) and its self-signed CA certificate."""
    key = ec.generate_private_key(ec.SECP256R1()) if kind == "ec" else rsa.generate_private_key(65537, 2048)
    cert = (_builder(name, name, key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    pair = Pair(workdir / f"{name}.key", workdir / f"{name}.crt")
    pair.key.write_bytes(_pem_key(key))
    pair.cert.write_bytes(_pem(cert))
    return pair


@dataclass
class TLSMaterial:
    ca: Path            # the CA certificate clients trust
    server: Pair        # certificate for 127.0.0.1 and localhost
    client: Pair        # a client certificate (mutual TLS)
    cert_dir: Path      # a containers-style --cert-dir: ca.crt


def tls_material(workdir: Path) -> TLSMaterial:
    workdir.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (_builder("specgen test CA", "specgen test CA", ca_key.public_key(), hours=4)
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
               .sign(ca_key, hashes.SHA256()))
    ca = workdir / "ca.crt"
    ca.write_bytes(_pem(ca_cert))

    def leaf(name: str, usage, san: bool) -> Pair:
        key = ec.generate_private_key(ec.SECP256R1())
        b = (_builder(name, "specgen test CA", key.public_key())
             .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
             .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
             .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
             .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
        if san:
            b = b.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        pair = Pair(workdir / f"{name}.key", workdir / f"{name}.crt")
        pair.key.write_bytes(_pem_key(key))
        pair.cert.write_bytes(_pem(b.sign(ca_key, hashes.SHA256())))
        return pair

    server = leaf("server", ExtendedKeyUsageOID.SERVER_AUTH, True)
    client = leaf("client", ExtendedKeyUsageOID.CLIENT_AUTH, False)
    cert_dir = workdir / "certs.d"
    cert_dir.mkdir(exist_ok=True)
    (cert_dir / "ca.crt").write_bytes(ca.read_bytes())
    return TLSMaterial(ca, server, client, cert_dir)


def htpasswd_file(path: Path, users: dict[str, str]) -> Path:
    from specgen.auth.htpasswd import entry

    path.write_text("".join(entry(u, p, rounds=5) for u, p in users.items()))
    return path
