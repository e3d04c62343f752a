"""``specgen serve``'s configuration: the schema (valid JSON Schema, one property per setting), the
YAML file's errors naming key and line, the layering defaults < file < SPECGEN_* < flags, the
generated flags and docs/configuration.md."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import jsonschema
import pytest

from specgen import config
from specgen.cli import main, make_parser
from specgen.config import docs as config_docs
from specgen.config import flags as config_flags
from specgen.config.settings import SETTINGS
from specgen.errors import UserError

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "registry.yml"
    path.write_text(text)
    return path


def test_schema_passes_the_metaschema_check_and_has_every_setting():
    doc = config.schema()
    jsonschema.Draft202012Validator.check_schema(doc)
    found = set()
    for name, prop in doc["properties"].items():
        if "properties" in prop:
            found |= {f"{name}.{k}" for k in prop["properties"]}
            assert prop["additionalProperties"] is False
        else:
            found.add(name)
    assert found == {s.key for s in SETTINGS}
    # every default is valid against its own schema
    jsonschema.Draft202012Validator(doc).validate(config.loader.nest(config.defaults()))


def test_config_schema_command_prints_the_schema(capsys):
    assert main(["config-schema"]) == 0
    assert json.loads(capsys.readouterr().out) == config.schema()


def test_every_serve_flag_is_a_key():
    """Each option of ``specgen serve`` (but --config, --check-config, --help) sets a settings key."""
    parser = make_parser()
    serve = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices["serve"]
    keys = {s.dest for s in SETTINGS}
    options = [a for a in serve._actions if a.option_strings and a.dest not in ("help", "config", "check_config")]
    assert options
    for action in options:
        assert action.dest in keys, action.option_strings
    flagged = {s.dest for s in SETTINGS if s.flag}
    assert {a.dest for a in options} == flagged


def test_file_values_and_their_lines(tmp_path):
    path = write(tmp_path, "http:\n  port: 6000\n  host: 0.0.0.0\nregistry:\n  read_only: true\n")
    loaded = config.load_file(path)
    assert loaded.line("http.port") == 2 and loaded.line("registry.read_only") == 5
    cfg = config.resolve(path, environ={})
    assert cfg["http.port"] == 6000 and cfg["http.host"] == "0.0.0.0" and cfg["registry.read_only"] is True
    assert cfg["log.access"] is True  # untouched keys keep their defaults
    assert cfg.sources["http.port"] == f"{path}:2"


@pytest.mark.parametrize("text,words", [
    ("http:\n  port: 70000\n", [":2:", "http.port", "70000", "maximum"]),
    ("http:\n  host: h\n  prot: 1\n", [":3:", "http.prot", "unknown key", "port"]),
    ("log:\n  format: xml\n", [":2:", "log.format", "'xml'"]),
    ("gc:\n  grace: soon\n", [":2:", "gc.grace", "'soon'", "number"]),
    ("nope: 1\n", [":1:", "nope", "unknown key"]),
    ("uploads:\n  ttl: 0\n", [":2:", "uploads.ttl"]),
    ("http: [1, 2]\n", [":1:", "http", "object"]),
    ("http:\n  port: 1\n  port: 2\n", [":3:", "http.port", "twice"]),
    ("http:\n  port: [\n", [":3:", "not YAML"]),
    ("- a\n- b\n", [":1:", "mapping"]),
    ("health:\n  liveness_path: healthz\n", [":2:", "health.liveness_path"]),
])
def test_file_errors_name_the_key_and_the_line(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(UserError) as info:
        config.resolve(path, environ={})
    message = str(info.value)
    for word in words:
        assert word in message, message
    assert str(path) in message


def test_an_empty_file_is_all_defaults(tmp_path):
    assert config.resolve(write(tmp_path, ""), environ={}).values == config.defaults()


def test_missing_file_is_one_clear_error(tmp_path):
    with pytest.raises(UserError, match="cannot read configuration"):
        config.resolve(tmp_path / "absent.yml", environ={})


def test_environment_overrides_the_file_and_flags_override_both(tmp_path):
    path = write(tmp_path, "http:\n  port: 6000\n  workers: 2\nstorage:\n  parameters:\n    root: /file\n    a: x\n")
    env = {"SPECGEN_HTTP_PORT": "7000", "SPECGEN_HTTP_WORKERS": "3", "SPECGEN_DRIVER_PARAMS": '{"b": "y"}',
           "SPECGEN_LOG_ACCESS": "off"}
    cfg = config.resolve(path, {"http.port": 8000}, environ=env)
    assert cfg["http.port"] == 8000 and cfg.sources["http.port"] == "--port"
    assert cfg["http.workers"] == 3 and cfg.sources["http.workers"] == "SPECGEN_HTTP_WORKERS"
    assert cfg["storage.parameters"] == {"root": "/file", "a": "x", "b": "y"}
    assert cfg["log.access"] is False


@pytest.mark.parametrize("env,words", [
    ({"SPECGEN_HTTP_PORT": "abc"}, ["SPECGEN_HTTP_PORT", "'abc'"]),
    ({"SPECGEN_HTTP_PORT": "99999"}, ["SPECGEN_HTTP_PORT", "http.port", "maximum"]),
    ({"SPECGEN_READ_ONLY": "x", "SPECGEN_REGISTRY_READ_ONLY": "maybe"}, ["SPECGEN_REGISTRY_READ_ONLY", "boolean"]),
    ({"SPECGEN_DRIVER_PARAMS": "[1]"}, ["SPECGEN_DRIVER_PARAMS", "JSON object"]),
    ({"SPECGEN_UPLOAD_TTL": "nan"}, ["SPECGEN_UPLOAD_TTL", "finite"]),
])
def test_bad_environment_values_are_named(env, words):
    with pytest.raises(UserError) as info:
        config.resolve(None, environ=env)
    for word in words:
        assert word in str(info.value)


def test_flags_parse_into_keys():
    parser = argparse.ArgumentParser()
    config_flags.add_arguments(parser)
    args = parser.parse_args(["--port", "0", "--no-access-log", "--driver-param", "a=1", "--driver-param", "b=2",
                              "--read-only", "--gc-interval", "30", "--log-format", "json"])
    assert config_flags.given(args) == {
        "http.port": 0, "log.access": False, "storage.parameters": {"a": "1", "b": "2"},
        "registry.read_only": True, "gc.interval": 30, "log.format": "json",
    }
    assert config_flags.given(parser.parse_args([])) == {}


def test_check_config_validates_only(tmp_path, capsys, monkeypatch):
    for name in [s.env_var for s in SETTINGS] + ["SPECGEN_CONFIG"]:
        monkeypatch.delenv(name, raising=False)
    good = write(tmp_path, "http:\n  port: 6001\n")
    assert main(["serve", "--config", str(good), "--check-config"]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and f"http.port ({good}:2)" in out
    bad = tmp_path / "bad.yml"
    bad.write_text("metrics:\n  enabled: 3\n")
    assert main(["serve", "--config", str(bad), "--check-config"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("specgen: error: ") and f"{bad}:2" in err and "metrics.enabled" in err
    assert "Traceback" not in err
    # a flag is checked like a file key, with one error line
    assert main(["serve", "--port", "70000", "--check-config"]) == 2
    assert "--port (http.port)" in capsys.readouterr().err


def test_configuration_doc_is_generated_from_the_schema(tmp_path):
    """docs/configuration.md is what the schema renders to (``specgen build`` writes it), and
    documents every key with its variable."""
    page = (ROOT / "docs" / "configuration.md").read_text()
    assert page == config_docs.render()
    for s in SETTINGS:
        assert f"`{s.key}`" in page and f"`{s.env_var}`" in page
    stale = tmp_path / "docs" / "configuration.md"
    stale.parent.mkdir()
    assert config_docs.stale(stale) == [f"missing: {stale}"]
    stale.write_text("edited by hand\n")
    assert config_docs.stale(stale) == [f"stale: {stale}"]
    assert config_docs.write(stale) and config_docs.stale(stale) == []


@pytest.mark.slow
def test_a_config_file_reaches_every_worker(tmp_path):
    """``specgen serve --config``: the file's modes, health path and log format hold in the worker
    processes (which get the settings from the parent), and a flag still wins over the file."""
    import httpx
    from peers import start_specgen

    cfg = write(tmp_path, "registry:\n  delete_enabled: false\nlog:\n  format: json\n"
                          "health:\n  liveness_path: /alive\nhttp:\n  workers: 3\n")
    peer = start_specgen(tmp_path / "serve", workers=2, extra_args=["--config", str(cfg)])
    try:
        with httpx.Client(base_url=peer.url, timeout=10) as c:
            data = b"kept: deletes are off"
            d = "sha256:" + __import__("hashlib").sha256(data).hexdigest()
            assert c.post(f"/v2/cfg/blobs/uploads/?digest={d}", content=data).status_code == 201
            for _ in range(4):  # whichever worker answers
                r = c.delete(f"/v2/cfg/blobs/{d}", headers={"X-Request-Id": "cfg-test"})
                assert r.status_code == 405 and r.json()["errors"][0]["code"] == "UNSUPPORTED"
                assert r.headers["x-request-id"] == "cfg-test"
                assert c.get("/alive").json() == {"status": "ok"}
    finally:
        peer.stop()
    log = peer.log.read_text()
    assert "(2 workers)" in log  # --workers 2 over the file's 3
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert any(e["request_id"] == "cfg-test" and e["status"] == 405 and e["method"] == "DELETE" for e in lines)


def test_auth_and_limits_come_from_the_file_too(tmp_path):
    """The keys of the other sections merged into the table (issue 11's limits, issue 12's auth)
    act from a config file as their flags do: htpasswd auth challenges, a user gets in, and a
    request with more header fields than ``limits.max_header_count`` is refused with 431."""
    import socket

    import httpx
    from peers import htpasswd_line, start_specgen

    users = tmp_path / "htpasswd"
    users.write_text(htpasswd_line("alice", "s3cret"))
    cfg = write(tmp_path, f"auth:\n  mode: htpasswd\n  htpasswd: {users}\n  realm: cfg-realm\n"
                          "limits:\n  max_header_count: 20\n")
    assert main(["serve", "--config", str(cfg), "--check-config"]) == 0
    peer = start_specgen(tmp_path / "serve", extra_args=["--config", str(cfg)])  # ready on 401 too
    try:
        with httpx.Client(base_url=peer.url, timeout=10) as c:
            anonymous = c.get("/v2/")
            assert anonymous.status_code == 401
            assert anonymous.headers["www-authenticate"] == 'Basic realm="cfg-realm"'
            assert c.get("/v2/", auth=("alice", "s3cret")).status_code == 200
            assert c.get("/v2/", auth=("alice", "wrong")).status_code == 401
        host, port = peer.url.split("://", 1)[1].rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=10) as s:
            extra = "".join(f"X-Filler-{i}: {i}\r\n" for i in range(30))
            s.sendall(f"GET /v2/ HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode())
            assert s.recv(64).startswith(b"HTTP/1.1 431")
    finally:
        peer.stop()


def test_a_bad_auth_file_in_the_config_is_one_line(tmp_path, capsys):
    cfg = write(tmp_path, f"auth:\n  mode: htpasswd\n  htpasswd: {tmp_path / 'missing'}\n")
    assert main(["serve", "--config", str(cfg), "--check-config"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing" in err[0]
