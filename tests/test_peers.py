"""The peer fixtures themselves: the servers start, answer the base check, honour auth, and stop."""

from __future__ import annotations

import base64
import urllib.error
import urllib.request

import peers
import pytest

pytestmark = pytest.mark.interop


def _get(url: str, auth: tuple[str, str] | None = None):
    req = urllib.request.Request(url)
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(":".join(auth).encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers


def test_docker_registry_answers_base_check(docker_registry):
    assert docker_registry.startswith("http://127.0.0.1:")
    status, headers = _get(docker_registry + "/v2/")
    assert status == 200
    assert headers.get("Docker-Distribution-Api-Version") == "registry/2.0"


def test_docker_registry_htpasswd_requires_credentials(docker_registry_htpasswd):
    url, user, password = docker_registry_htpasswd
    status, headers = _get(url + "/v2/")
    assert status == 401
    assert headers.get("WWW-Authenticate", "").startswith("Basic ")
    assert _get(url + "/v2/", (user, "wrong" + password))[0] == 401
    assert _get(url + "/v2/", (user, password))[0] == 200


def test_stop_kills_the_process_group(tmp_path):
    if not peers.docker_registry_available():
        pytest.skip("docker-registry missing: install the Debian package 'docker-registry'")
    peer = peers.start_docker_registry(tmp_path / "reg")
    assert _get(peer.url + "/v2/")[0] == 200
    peer.stop()
    assert peer.proc.poll() is not None
    with pytest.raises(OSError):
        urllib.request.urlopen(peer.url + "/v2/", timeout=2)


def test_config_binds_loopback_only(tmp_path):
    text = peers.docker_registry_config(tmp_path, 5123)
    assert "addr: 127.0.0.1:5123" in text
    assert "debug" not in text
    assert "enabled: true" in text  # delete


def test_specgen_server_answers_base_check(specgen_server):
    url = specgen_server()
    status, headers = _get(url + "/v2/")
    assert status == 200
    assert headers.get("Docker-Distribution-Api-Version", "").lower() == "registry/2.0"
