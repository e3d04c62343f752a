"""Derive our compact case tables (tests/data/*.json) from upstream's oracle files.

The tables are our own test data: a few fields per case, no upstream prose. Tests load the tables
(so they run on a clone without ../shared); where the oracle folder exists, they also re-derive
the tables here and require them equal, and check the oracle's sha256 pinned in each table.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _err(err: dict | None) -> str | None:
    return None if err is None else err["error"]


def grammar_table(oracle: dict) -> dict:
    """regexp_test.go: per test, the regexp's Go text (as sha256) and [input, match, subs] rows."""
    tests = []
    for test in oracle["regexpTests"]:
        tests.append({
            "test": test["test"],
            "pattern_sha256": sha256_text(test["pattern"]),
            "num_subexp": test["numSubexp"],
            # Domain and identifier tests only check MatchString; the others FindStringSubmatch.
            "cases": [[c["input"], c["match"], c["subs"]] for c in test["cases"]],
        })
    return {"tests": tests, "case_counts": oracle["caseCounts"]}


def reference_table(oracle: dict) -> dict:
    """reference_test.go cases, one compact row each."""
    p = oracle["parseTests"]
    return {
        # input, error, repository (Name), domain, path (observed), tag, digest
        "TestReferenceParse": [
            [c["input"], _err(c["err"]), c["repository"], c["domain"],
             c["observed"].get("Path", ""), c["tag"], c["digest"]]
            for c in p["TestReferenceParse"]
        ],
        "TestWithNameFailure": [[c["input"], _err(c["err"])] for c in p["TestWithNameFailure"]],
        "TestDomainAndPath": [[c["input"], c["domain"], c["path"]] for c in p["TestDomainAndPath"]],
        # input, error, name, tag, digest
        "TestSerialization": [
            [c["input"], _err(c["err"]), c["name"], c["tag"], c["digest"]] for c in p["TestSerialization"]
        ],
        # name, digest, tag, combined
        "TestWithTag": [[c["name"], c["digest"], c["tag"], c["combined"]] for c in p["TestWithTag"]],
        # name, tag, digest, combined
        "TestWithDigest": [[c["name"], c["tag"], c["digest"], c["combined"]] for c in p["TestWithDigest"]],
        # input, error, domain, path
        "TestParseNamed": [[c["input"], _err(c["err"]), c["domain"], c["path"]] for c in p["TestParseNamed"]],
    }


def digest_table(oracle: dict) -> dict:
    return {
        # input, algorithm, encoded, error (v1.0.0 with sha256/sha512 linked agrees on every case)
        "TestParseDigest": [
            [c["Input"], c["Algorithm"], c["Encoded"], _err(c["Err"])] for c in oracle["TestParseDigest"]
        ],
        # digest, the panic message of Digest.Verifier()
        "TestVerifierUnsupportedDigest": [
            [c["Digest"], c["Expected"]] for c in oracle["TestVerifierUnsupportedDigest"]
        ],
        "bad_algorithm_names": list(oracle["TestBadAlgorithmNameRegistration_expectPanic"]),
        "good_algorithm_names": list(oracle["TestGoodAlgorithmNameRegistration_expectNoPanic"]),
    }


def router_table(oracle: dict) -> dict:
    cases = []
    for test in oracle["tests"]:
        for inv in test["invocations"]:
            for c in test["cases"]:
                prefix = inv["prefix"]
                status = c["StatusCode"] or 200
                request = prefix.rstrip("/") + c["RequestURI"]
                expected_uri = c["ExpectedURI"] or request
                # test, prefix, request URI as sent, route name, vars (null = unchecked/none),
                # status, request URI the handler sees, whether vars are compared exactly
                cases.append([test["test"], prefix, request, c["RouteName"], c["Vars"], status,
                              expected_uri if status == 200 else None, inv["deeplyEqual"]])
    extras = []
    for r in oracle["observedExtras"]["requests"]:
        # prefix, request, status, route, vars, final request URI, redirect hops
        extras.append([r["prefix"], r["request"], r["status"], r.get("RouteName"), r.get("Vars"),
                       r.get("RequestURI"), [[h["from"], h["to"]] for h in (r["redirects"] or [])]])
    return {
        "routes": [[r["name"], sha256_text(r["path"])] for r in oracle["routeDescriptorPaths"]],
        "cases": cases,
        "extras": extras,
    }


def _headers(header: dict | None) -> list[list[str]]:
    return [[k, v] for k, vs in (header or {}).items() for v in vs]


def url_table(oracle: dict) -> dict:
    builder = []
    for c in oracle["builderCases"]:
        builder.append({k: c[k] for k in ("description", "method", "name", "tag", "digest", "uuid",
                                          "values", "expectedPath", "expectedErr") if k in c})
    paths = [c["expectedPath"] for c in oracle["builderCases"]]
    variants = []
    for v in oracle["variants"]:
        outs = v["expectedOutputs"]
        prefixes = {o["expected"][: len(o["expected"]) - len(p)] for o, p in zip(outs, paths) if o["expected"]}
        if len(prefixes) != 1 or not all(
            o["expected"] is None or o["expected"] == next(iter(prefixes)) + p for o, p in zip(outs, paths)
        ):
            raise ValueError(f"outputs of {v} are not one prefix + expectedPath")
        row: dict[str, Any] = {"test": v["test"], "relative": v["relative"], "expected_prefix": prefixes.pop()}
        if "root" in v:
            row["root"] = v["root"]
        else:
            req = v["request"]
            row["request"] = {"url": req["url"], "host": req["host"], "tls": req["tls"],
                              "headers": _headers(req["header"])}
            row["config_root"] = v["configHost"]["string"] if v["configHost"] else None
            row["name"] = v.get("name", v.get("index"))
        if [o.get("expectedErr") for o in outs] != [c.get("expectedErr") for c in oracle["builderCases"]]:
            raise ValueError(f"errors of {v} differ from the builder cases'")
        variants.append(row)
    forwarded = []
    for c in oracle["parseForwardedHeaderCases"]:
        obs = c["observed"]
        # name, raw, expected pairs (null = none), expected rest, error message (null = none)
        forwarded.append([c["name"], c["raw"], c["expected"], c["expectedRest"],
                          obs.get("error") if c["expectedError"] else None])
    return {"builder_cases": builder, "variants": variants, "forwarded": forwarded,
            "expected_output_count": oracle["expectedOutputCount"]}


#: table file -> (oracle file, derivation)
TABLES: dict[str, tuple[str, Callable[[dict], dict]]] = {
    "grammar_cases.json": ("reference-grammar-cases.json", grammar_table),
    "reference_cases.json": ("reference-grammar-cases.json", reference_table),
    "digest_cases.json": ("digest-cases.json", digest_table),
    "router_cases.json": ("router-cases.json", router_table),
    "url_cases.json": ("url-cases.json", url_table),
}


def derive(table: str, oracles: Path) -> dict:
    oracle_file, fn = TABLES[table]
    path = oracles / oracle_file
    data = fn(json.loads(path.read_text(encoding="utf-8")))
    return {"oracle": {"file": oracle_file, "sha256": sha256_file(path)}, **data}


def load(table: str) -> dict:
    return json.loads((DATA / table).read_text(encoding="utf-8"))


def check_against_oracle(table: str, oracles: Path) -> None:
    """When the oracle folder exists: same file (sha256) and the same derived table."""
    ported = load(table)
    path = oracles / ported["oracle"]["file"]
    if not path.exists():
        return
    assert sha256_file(path) == ported["oracle"]["sha256"], f"{path} changed since {table} was ported"
    assert derive(table, oracles) == ported, f"{table} differs from what {path.name} gives"
