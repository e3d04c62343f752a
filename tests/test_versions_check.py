"""`specgen check --set registry_v2_8_2` against Debian's docker-registry (distribution 2.8.2): what
fails is only the registry departing from its own release's descriptors, each departure documented
in docs/conformance.md ("Against its own release"); and the report names the best-fitting set."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from specgen.checker import Status, run
from specgen.checker.fit import ranking
from specgen.cli import main
from specgen.commands.check import other_bundled_sets
from specgen.descriptors import load_set

pytestmark = [pytest.mark.interop, pytest.mark.slow]

DOCS = Path(__file__).resolve().parents[1] / "docs" / "conformance.md"

#: How distribution 2.8.2's code departs from its own v2.8.2 descriptors, as the checker reports it.
V282_DEPARTURES = {
    "D1": r"blob-upload-chunk/PUT/-/201: status 201 not declared \(declared: 204",
    "D2": r"blob-upload-chunk/PATCH/(Chunked|Stream) upload/202: status 202 not declared|expected 416, got 202",
    "D3": r"blob/DELETE/-/202: declared header Docker-Content-Digest is missing",
    "D4": r"Initiate Monolithic Blob Upload/202: status 202 not declared|POST \S+/blobs/uploads/: expected (201|400 DIGEST_INVALID), got 202",
    "D5": r"Mount Blob/202: status 202 not declared",
    "D6": r"manifest/GET/-/404 No Such Repository Error: error code 'MANIFEST_UNKNOWN' not declared",
    "D7": r"manifest/PUT/-/400 Invalid Manifest: error code 'MANIFEST_BLOB_UNKNOWN' not declared"
          r"|expected 201, got 400 MANIFEST_BLOB_UNKNOWN$",
    "D8": r"error code 'BLOB_UPLOAD_INVALID' not declared for this response \(declared: BLOB_UPLOAD_UNKNOWN\)"
          r"|expected error code [A-Za-z_ ]+, got BLOB_UPLOAD_INVALID",
    "D9": r"/500: status 500 not declared|got 500( UNKNOWN)?$",
    "D10": r"a page asked with n=1 holds \d+ entries|holds \d+ entries, more than n=\d+"
           r"|n=\d+&last=\S+ (\(the last tag\) )?gave \[",
    "D11": r"expected 400 PAGINATION_NUMBER_INVALID, got 200",
    "D12": r"blob-upload/POST/Mount Blob/201: declared header Docker-Upload-UUID is missing",
    "D13": r"malformed HTTP response: RemoteProtocolError: peer closed connection without sending complete message body",
    "D14": r"names digest 'sha256:[0-9a-f]+', expected 'sha512:|is sha256, but the request named a sha512 digest",
    "D15": r"manifest/PUT/-/400 Invalid Manifest: error code 'DIGEST_INVALID' not declared"
           r"|manifests/sha512:\S+: expected 201, got 400 DIGEST_INVALID",
    "D16": r"expected 201, got 500 UNKNOWN UNKNOWN MANIFEST_BLOB_UNKNOWN",
    "D17": r"(tags list|catalog) is not in lexical order",
}


@pytest.fixture(scope="module")
def report(docker_registry):
    return run(docker_registry, load_set("registry_v2_8_2"))


def _unexplained(report):
    out = []
    for group in report.groups:
        for check in group.checks:
            if check.status >= Status.FAIL:
                for part in check.message.split("; "):
                    if not any(re.search(p, part) for p in V282_DEPARTURES.values()):
                        out.append(f"{group.name} / {check.name}: {part}")
    return out


def test_only_the_registrys_own_departures_remain(report):
    assert not [c for g in report.groups for c in g.checks if c.status == Status.ERROR]
    assert _unexplained(report) == []
    messages = [c.message for g in report.groups for c in g.checks if c.status >= Status.FAIL]
    seen = {k for k, p in V282_DEPARTURES.items() for m in messages if re.search(p, m)}
    assert seen == set(V282_DEPARTURES), f"documented but not seen: {set(V282_DEPARTURES) - seen}"
    doc = DOCS.read_text(encoding="utf-8")
    section = doc[doc.index("## Against its own release"):]
    for key in V282_DEPARTURES:
        assert re.search(rf"^\| {key} \|", section, re.M), f"{key} is not explained in docs/conformance.md"
    assert report.coverage_ratio("request") == (19, 19)


def test_the_fit_ranks_every_bundled_set(report):
    dset = load_set("registry_v2_8_2")
    fits = ranking(report, dset, other_bundled_sets(dset))
    names = [f.set_name for f in fits]
    assert sorted(names) == sorted(["registry_v2_8_2", "registry_v2", "registry_v2_0_0", "oci_v1_1"])
    assert [f.departures for f in fits] == sorted(f.departures for f in fits)
    by_name = {f.set_name: f.departures for f in fits}
    # distribution 2.8.2's code already answered 201/202 where its descriptors said 204 (main
    # corrected the descriptors), and v2.0.0's grammar and responses are further still
    assert by_name["registry_v2"] < by_name["registry_v2_8_2"] < by_name["registry_v2_0_0"]


def test_check_prints_the_best_fit(docker_registry, capsys):
    assert main(["check", docker_registry, "--set", "registry_v2_8_2", "--no-coverage",
                 "--only", "blob-monolithic"]) == 1
    out = capsys.readouterr().out
    line = [x for x in out.splitlines() if x.startswith("fit: best ")]
    assert len(line) == 1 and "registry_v2_8_2" in line[0]
