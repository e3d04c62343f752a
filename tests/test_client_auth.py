"""Authentication and TLS of the client: challenge parsing, the bearer token flow against a token
endpoint the test runs itself, token reuse and expiry, and TLS verification."""

from __future__ import annotations

import datetime
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from token_gateway import TokenGateway

from specgen.client import AuthError, RegistryAuth, RegistryClient, TransportError
from specgen.client.auth import Challenge, parse_challenges


def test_parse_bearer_challenge():
    header = ('Bearer realm="https://auth.example/token",service="registry.example",'
              'scope="repository:samalba/my-app:pull,push"')
    assert parse_challenges(header) == [Challenge("bearer", {
        "realm": "https://auth.example/token", "service": "registry.example",
        "scope": "repository:samalba/my-app:pull,push"})]


def test_parse_several_challenges_and_escapes():
    got = parse_challenges('Basic realm="a \\"b\\"", Bearer realm=https://t/x,error=invalid_token')
    assert got == [Challenge("basic", {"realm": 'a "b"'}),
                   Challenge("bearer", {"realm": "https://t/x", "error": "invalid_token"})]


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.mark.interop
def test_token_flow_reuses_tokens_per_scope_until_expiry(docker_registry):
    clock = Clock()
    with TokenGateway(docker_registry, credentials=("alice", "s3cret"), lifetime=300) as gw:
        auth = RegistryAuth("alice", "s3cret", clock=clock)
        with RegistryClient(gw.url, auth=auth, monolithic_threshold=100, chunk_size=64) as reg:
            assert reg.ping()
            d1 = reg.push_blob("tok/one", b"x" * 300)          # chunked: POST, PATCHes, PUT
            assert reg.pull_blob("tok/one", d1) == b"x" * 300
            push_scope = "repository:tok/one:pull,push"
            pull_scope = "repository:tok/one:pull"
            scopes = [q.get("scope") for q in gw.token_requests]
            assert scopes == [None, [push_scope], [pull_scope]]  # one token per scope, not per request
            assert all(q["service"] == ["test-registry"] for q in gw.token_requests)
            d2 = reg.push_blob("tok/one", b"again")             # push scope token reused
            assert reg.pull_blob("tok/one", d2) == b"again"     # pull scope token reused
            assert len(gw.token_requests) == 3 and auth.fetches == 3
            reg.push_blob("tok/two", b"other repo")             # new scope, new token
            assert gw.token_requests[-1]["scope"] == ["repository:tok/two:pull,push"]
            before = len(gw.token_requests)
            reg.push_blob("tok/one", b"back to one")            # cached token of that scope
            assert len(gw.token_requests) == before
            clock.now += 301                                    # every cached token expired
            reg.push_blob("tok/one", b"after expiry")
            assert len(gw.token_requests) == before + 1


@pytest.mark.interop
def test_token_endpoint_refusing_credentials_is_an_auth_error(docker_registry):
    with TokenGateway(docker_registry, credentials=("alice", "s3cret")) as gw:
        with RegistryClient(gw.url, username="alice", password="wrong") as reg:
            with pytest.raises(AuthError, match="HTTP 401"):
                reg.push_blob("tok/x", b"data")


@pytest.mark.interop
def test_anonymous_token(docker_registry):
    with TokenGateway(docker_registry) as gw:
        with RegistryClient(gw.url) as reg:
            digest = reg.push_blob("anon/repo", b"anonymous")
            assert reg.pull_blob("anon/repo", digest) == b"anonymous"
            assert "Authorization" not in str(gw.token_requests)


@pytest.mark.interop
def test_basic_auth_against_htpasswd(docker_registry_htpasswd):
    import specgen.client.errors as errors

    url, user, password = docker_registry_htpasswd
    with RegistryClient(url, username=user, password=password) as reg:
        digest = reg.push_blob("basic/repo", b"with basic auth")
        assert reg.pull_blob("basic/repo", digest) == b"with basic auth"
    with RegistryClient(url, username=user, password="not-" + password, retries=0) as reg:
        with pytest.raises(errors.Unauthorized):
            reg.ping()
    with RegistryClient(url) as reg:
        with pytest.raises(errors.Unauthorized) as info:
            reg.pull_blob("basic/repo", digest)
        assert info.value.status == 401


def _self_signed(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    import ipaddress
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path):
    """A tiny HTTPS /v2/ endpoint with a self-signed certificate."""
    pytest.importorskip("cryptography", reason="cryptography (test extra) makes the certificate")
    cert, key = _self_signed(tmp_path)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", cert
    server.shutdown()
    server.server_close()


def test_tls_is_verified_by_default(tls_server):
    url, cert = tls_server
    with RegistryClient(url, retries=0) as reg:
        with pytest.raises(TransportError, match="(?i)certificate"):
            reg.ping()
    with RegistryClient(url, verify=False) as reg:
        assert reg.ping()
    with RegistryClient(url, verify=str(cert)) as reg:
        assert reg.ping()
