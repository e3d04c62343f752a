"""The committed OpenAPI documents, taken as they are by tools no one here wrote: Spectral and
Redocly CLI lint them, openapi-python-client's and openapi-typescript/openapi-fetch's generated
clients push bytes to ``specgen serve`` and pull them back, and schemathesis (positive and negative
modes) finds no failing check against ``specgen serve``.

The npm tools live in ``.tools/npm-openapi`` (``.ci/run`` installs them, versions pinned there).
One Spectral and one Redocly run lint every document at once (node is slow to start)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from peers import start_specgen

from specgen.compilers.openapi import unmatched
from specgen.descriptors import BUNDLED

ROOT = Path(__file__).resolve().parents[1]
NPM_BIN = ROOT / ".tools" / "npm-openapi" / "node_modules" / ".bin"
DATA = Path(__file__).with_name("data")
DOCUMENTS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "build").glob("*/openapi*.*"))
OPENAPI_DOC = (ROOT / "docs" / "openapi.md").read_text(encoding="utf-8")

#: (tool, rule) findings that remain, each justified in docs/openapi.md ("Lint findings").
JUSTIFIED = {
    ("spectral", "path-keys-no-trailing-slash"),
    ("spectral", "info-contact"),
    ("redocly", "no-path-trailing-slash"),
}


def _npm_tool(name: str) -> str:
    tool = NPM_BIN / name
    if not tool.exists():
        pytest.skip(f"{tool} is missing: .ci/run installs the npm tools into .tools/npm-openapi")
    return str(tool)


#: The sets served and fuzzed: the registry API as it is today (the older registry sets add nothing a
#: fuzzer would find, and token_auth's stub answers every request 501 under specgen serve).
SERVED = ("registry_v2", "oci_v1_1")


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """One fresh ``specgen serve`` per served set (schemathesis writes into them)."""
    peers = {name: start_specgen(tmp_path_factory.mktemp(f"serve-{name}"), set=name) for name in SERVED}
    try:
        yield {name: peer.url for name, peer in peers.items()}
    finally:
        for peer in peers.values():
            peer.stop()


def test_every_bundled_set_has_its_three_documents():
    assert len(DOCUMENTS) == 3 * len(BUNDLED) and len(BUNDLED) >= 2


def test_justified_findings_are_in_the_docs():
    for _, rule in JUSTIFIED:
        assert f"`{rule}`" in OPENAPI_DOC


@pytest.mark.slow
def test_spectral_finds_no_error_and_only_justified_warnings():
    spectral = _npm_tool("spectral")
    proc = subprocess.run(
        [spectral, "lint", "--ruleset", str(DATA / "openapi_lint" / ".spectral.yaml"), "--format", "json",
         "--quiet", *DOCUMENTS],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    findings = json.loads(proc.stdout or "[]")
    assert proc.returncode in (0, 1), proc.stderr
    assert {x["source"] for x in findings} <= {str(ROOT / d) for d in DOCUMENTS}
    errors = [x for x in findings if x["severity"] == 0]
    assert errors == []
    unjustified = [x for x in findings if ("spectral", x["code"]) not in JUSTIFIED]
    assert unjustified == []


@pytest.mark.slow
def test_redocly_finds_no_error_and_only_justified_warnings():
    redocly = _npm_tool("redocly")
    proc = subprocess.run(
        [redocly, "lint", "--config", str(DATA / "openapi_lint" / "redocly.yaml"), "--format", "json",
         *DOCUMENTS],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"},
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    decoder, text, at, reports = json.JSONDecoder(), proc.stdout, 0, []
    while text[at:].strip():  # one JSON report per document
        at += len(text[at:]) - len(text[at:].lstrip())
        report, at = decoder.raw_decode(text, at)
        reports.append(report)
    assert len(reports) == len(DOCUMENTS)
    problems = [p for r in reports for p in r["problems"]]
    assert [p for p in problems if p["severity"] == "error"] == []
    assert [p for p in problems if ("redocly", p["ruleId"]) not in JUSTIFIED] == []


def test_unmatched_route_answer_is_what_the_server_sends(servers):
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(f"{servers['oci_v1_1']}/v2/UPPER/tags/list", timeout=10)
    assert answer.value.code == 404
    assert answer.value.headers["Content-Type"].split(";")[0] == unmatched.MEDIA_TYPE
    assert answer.value.read().decode() == unmatched.BODY


PYTHON_ROUND_TRIP = textwrap.dedent('''
    import hashlib, inspect, io, sys
    from regclient import AuthenticatedClient
    from regclient.api.blob import get_blob
    from regclient.api.initiate_blob_upload import post_blob_upload
    from regclient.types import File

    for fn in (post_blob_upload.sync_detailed, get_blob.sync_detailed):
        params = set(inspect.signature(fn).parameters)
        assert not params & {"host", "authorization", "content_length", "content_type"}, params
    data = bytes(range(256)) * 64
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    # the registry operations admit anonymous access ({} in security), but the generator asks for
    # an AuthenticatedClient whenever security is listed; specgen serve ignores the header
    client = AuthenticatedClient(base_url=sys.argv[1], token="anonymous")
    pushed = post_blob_upload.sync_detailed(
        "python/round-trip", client=client, body=File(payload=io.BytesIO(data)), digest=digest)
    assert pushed.status_code == 201, (pushed.status_code, pushed.content)
    pulled = get_blob.sync_detailed("python/round-trip", digest, client=client)
    assert pulled.status_code == 200, pulled.status_code
    assert isinstance(pulled.parsed, File) and pulled.parsed.payload.read() == data
    print("ok")
''')


@pytest.mark.slow
@pytest.mark.interop
def test_openapi_python_client_pushes_and_pulls_bytes(servers, tmp_path):
    tool = Path(sys.executable).parent / "openapi-python-client"
    if not tool.exists():
        pytest.skip("openapi-python-client (test extra) is not installed in this environment")
    env = {**os.environ, "PATH": f"{tool.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    for document in ("openapi.yaml", "openapi-3.0.json"):
        out = tmp_path / "regclient"
        proc = subprocess.run(
            [str(tool), "generate", "--path", str(ROOT / "build" / "oci_v1_1" / document),
             "--output-path", str(out), "--meta", "none"],
            capture_output=True, text=True, env=env, timeout=300,
        )
        assert proc.returncode == 0 and "Warning" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
        run = subprocess.run([sys.executable, "-c", PYTHON_ROUND_TRIP, servers["oci_v1_1"]], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0 and run.stdout.strip() == "ok", run.stdout + run.stderr
        shutil.rmtree(out)


@pytest.mark.slow
@pytest.mark.interop
def test_typescript_client_compiles_strict_and_round_trips(servers, tmp_path):
    """openapi-typescript types + openapi-fetch: ``tsc --strict`` compiles the round trip of
    tests/data/openapi_ts/main.ts, and node runs it against ``specgen serve``."""
    tsc = _npm_tool("tsc")
    node = shutil.which("node")
    assert node, "node is missing (Debian package nodejs)"
    work = tmp_path / "ts"
    shutil.copytree(DATA / "openapi_ts", work)
    (work / "node_modules").symlink_to(NPM_BIN.parent)
    gen = subprocess.run([node, "generate.mjs", str(ROOT / "build" / "oci_v1_1" / "openapi.json"), "schema.d.ts"],
                         cwd=work, capture_output=True, text=True, timeout=120)
    assert gen.returncode == 0, gen.stderr
    assert "Authorization" not in (work / "schema.d.ts").read_text()
    compiled = subprocess.run([tsc, "-p", "tsconfig.json", "--strict"], cwd=work, capture_output=True, text=True,
                              timeout=300)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    run = subprocess.run([node, "out/main.js", servers["oci_v1_1"]], cwd=work, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stdout + run.stderr


#: 400 codes by which a registry refuses a schema-valid request for what it holds or implements,
#: not for the request's shape: a digest algorithm the grammar allows but the server does not
#: implement (DIGEST_INVALID; TAG_INVALID or MANIFEST_INVALID when it sits in a reference or in a
#: manifest), a manifest naming blobs never pushed (MANIFEST_BLOB_UNKNOWN).
STATEFUL_400_CODES = {"DIGEST_INVALID", "TAG_INVALID", "MANIFEST_INVALID", "MANIFEST_BLOB_UNKNOWN"}


def _schemathesis_config(document: Path, path: Path) -> None:
    """Per operation, schemathesis's expectations where OpenAPI cannot state the rule (docs/openapi.md,
    "schemathesis"): a schema-valid request may get a documented 400 with one of
    STATEFUL_400_CODES; a ``from`` without ``mount`` is ignored (the POST starts a plain upload, as
    distribution's does), so a malformed ``from`` is not refused."""
    doc = json.loads(document.read_text())
    lines = []
    for item in doc["paths"].values():
        for op in item.values():
            if not (isinstance(op, dict) and "operationId" in op):
                continue
            checks = []
            if set(op["responses"].get("400", {}).get("x-error-codes", [])) & STATEFUL_400_CODES:
                checks.append('checks.positive_data_acceptance.expected-statuses = '
                              '["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]')
            names = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
            if {"mount", "from"} <= names:
                checks.append("checks.negative_data_rejection.enabled = false")
            if checks:
                lines += ["[[operations]]", f'include-operation-id = "{op["operationId"]}"', *checks, ""]
    path.write_text("\n".join(lines))


@pytest.mark.slow
@pytest.mark.parametrize("name", SERVED)
def test_schemathesis_finds_no_failing_check(name, servers, tmp_path):
    st = Path(sys.executable).parent / "st"
    assert st.exists(), "schemathesis (test extra) is missing"
    document = ROOT / "build" / name / "openapi.json"
    config = tmp_path / "schemathesis.toml"
    _schemathesis_config(document, config)
    proc = subprocess.run(
        [str(st), "--config-file", str(config), "--no-color", "run", str(document), "--url", servers[name],
         "--mode", "all", "--max-examples", "4", "--seed", "17", "--generation-database", "none",
         "--phases", "examples,coverage,fuzzing", "--workers", "1"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    tail = proc.stdout[-6000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, tail
    assert "No issues found" in proc.stdout or " passed" in proc.stdout, tail
