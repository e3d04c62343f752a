"""The bearer token flow against docker-registry itself, configured with ``auth: token``: the
registry challenges, the client fetches a JWT from a token endpoint this test runs (signed with a
key whose self-signed certificate is the registry's root bundle), and the registry checks it."""

from __future__ import annotations

import base64
import json
import os
import secrets
import time

import peers
import pytest
from token_gateway import TokenGateway

from specgen.client import RegistryClient

pytestmark = pytest.mark.interop

ISSUER = "specgen-test-issuer"
SERVICE = "specgen-test-registry"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Signer:
    """An ES256 key and its self-signed certificate, minting distribution-style JWTs."""

    def __init__(self, workdir):
        import datetime

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "specgen test token signer")])
        now = datetime.datetime.now(datetime.UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(hours=1))
                .not_valid_after(now + datetime.timedelta(hours=2))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(self.key, hashes.SHA256()))
        self.cert_der = cert.public_bytes(serialization.Encoding.DER)
        self.bundle = workdir / "token-root.pem"
        self.bundle.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self.minted: list[list[str]] = []

    def mint(self, scopes: list[str], lifetime: int) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        self.minted.append(scopes)
        access = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        header = {"typ": "JWT", "alg": "ES256",
                  "x5c": [base64.b64encode(self.cert_der).decode()]}
        claims = {"iss": ISSUER, "sub": "alice", "aud": SERVICE, "exp": now + lifetime,
                  "nbf": now - 10, "iat": now, "jti": secrets.token_hex(8), "access": access}
        signing_input = (_b64url(json.dumps(header).encode()) + "."
                         + _b64url(json.dumps(claims).encode()))
        r, s = decode_dss_signature(self.key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
        return signing_input + "." + _b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


@pytest.fixture(scope="module")
def token_registry(tmp_path_factory):
    """(registry URL, token gateway, signer): docker-registry with ``auth: token``."""
    pytest.importorskip("cryptography", reason="cryptography (test extra) signs the tokens")
    if not peers.docker_registry_available():
        pytest.skip(f"{peers.DOCKER_REGISTRY} missing: install the Debian package "
                    "'docker-registry' (.ci/run does)")
    workdir = tmp_path_factory.mktemp("token-registry")
    signer = Signer(workdir)
    with TokenGateway(None, credentials=("alice", "s3cret"), mint=signer.mint) as gw:
        root = workdir / "storage"
        root.mkdir()
        port = peers.free_port()
        config = workdir / "config.yml"
        config.write_text(peers.docker_registry_config(root, port) + "\n".join([
            "auth:",
            "  token:",
            f"    realm: {gw.url}/token",
            f"    service: {SERVICE}",
            f"    issuer: {ISSUER}",
            f"    rootcertbundle: {signer.bundle}",
        ]) + "\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        proc, log = peers._spawn([peers.DOCKER_REGISTRY, "serve", str(config)], workdir, env)
        url = f"http://127.0.0.1:{port}"
        try:
            peers.wait_ready(url, proc, log)
            yield url, gw, signer
        finally:
            peers.stop_process(proc)


def test_token_flow_against_docker_registry(token_registry):
    url, gw, signer = token_registry
    with RegistryClient(url, username="alice", password="s3cret",
                        chunk_size=1024, monolithic_threshold=512) as reg:
        data = os.urandom(3000)
        digest = reg.push_blob("secure/app", data)
        assert reg.pull_blob("secure/app", digest) == data
        # distribution lists the actions in no fixed order: compare them as sets
        granted = [(s.rpartition(":")[0], set(s.rpartition(":")[2].split(",")))
                   for m in signer.minted for s in m]
        assert ("repository:secure/app", {"pull", "push"}) in granted
        fetched = reg.transport.auth.fetches
        reg.push_blob("secure/app", b"second blob")           # same scope: no new token
        assert reg.transport.auth.fetches == fetched


def test_registry_refuses_without_token_endpoint_credentials(token_registry):
    import specgen.client.errors as errors
    from specgen.client import AuthError

    url, gw, signer = token_registry
    with RegistryClient(url, username="alice", password="wrong") as reg:
        with pytest.raises(AuthError):
            reg.push_blob("secure/app", b"nope")
    with RegistryClient(url, auth=None, retries=0) as reg:
        reg.transport.auth.handle_401 = lambda *a: False    # a client that ignores challenges
        with pytest.raises(errors.Unauthorized):
            reg.ping()


def test_registry_checks_the_token_signature(token_registry, tmp_path):
    import specgen.client.errors as errors

    url, gw, signer = token_registry
    stranger = Signer(tmp_path)                               # not in the registry's root bundle
    gw.mint = stranger.mint
    try:
        with RegistryClient(url, username="alice", password="s3cret", retries=0) as reg:
            with pytest.raises(errors.Unauthorized):
                reg.push_blob("secure/other", b"forged")
        assert stranger.minted
    finally:
        gw.mint = signer.mint
