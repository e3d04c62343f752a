"""``specgen coverage [--out FILE] [--check] [--spec FILE]``: docs/oci-coverage.md from the
requirements table of ``oci_v1_1``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from specgen.errors import UserError
from specgen.requirements.extract import Sentence
from specgen.requirements.table import Requirement

SET = "oci_v1_1"
DEFAULT_OUT = Path("docs/oci-coverage.md")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "coverage",
        help="write docs/oci-coverage.md: every requirement of the OCI spec and what covers it",
        description="Render the requirements table of the oci_v1_1 set (every MUST/SHOULD/MAY "
        "sentence and endpoint row of the OCI Distribution Specification, main branch, mapped to the "
        "descriptor, server code or test, and check scenario that cover it) as Markdown. Every "
        "reference in the table is verified first; --spec also proves the table complete against "
        "the spec's own text.",
    )
    p.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"where to write (default: {DEFAULT_OUT}; - for stdout)"
    )
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if --out differs from a fresh render")
    p.add_argument(
        "--spec",
        type=Path,
        metavar="FILE",
        help="the OCI spec's spec.md: exit 1 unless the table lists exactly its requirements",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from specgen.checker.scenarios import SCENARIOS
    from specgen.descriptors import load_set
    from specgen.layout import DESCRIPTORS, PACKAGE
    from specgen.requirements import extract, render, table

    root = PACKAGE.parent  # the table names server code and tests of the checkout
    if not (root / "tests").is_dir():
        raise UserError("specgen coverage runs in a checkout of specgen (it verifies the tests the table names)")
    dset = load_set(SET)
    reqs = table.load(DESCRIPTORS / SET / "requirements.yaml")
    problems = table.problems(reqs, dset, root, (s.name for s in SCENARIOS))
    if args.spec is not None:
        try:
            text = args.spec.read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(f"--spec {args.spec}: {exc}") from None
        problems += completeness(reqs, extract.sentences(text))
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in the requirements table", file=sys.stderr)
        return 1
    doc = render.markdown(reqs, SET)
    if str(args.out) == "-":
        sys.stdout.write(doc)
        return 0
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else None
        if current != doc:
            print(f"{args.out} is out of date: run `specgen coverage`", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date ({len(reqs)} requirements)")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(doc, encoding="utf-8")
    print(f"wrote {args.out} ({len(reqs)} requirements)")
    return 0


def completeness(reqs: list[Requirement], sentences: list[Sentence]) -> list[str]:
    """What differs between the table and the spec's sentences: missing, stale or changed rows."""
    spec = {s.id: s for s in sentences}
    ours = {r.id: r for r in reqs}
    out = [
        f"{i}: in the spec, not in the table ({spec[i].section}: {spec[i].text[:80]}...)" for i in spec if i not in ours
    ]
    out += [f"{i}: in the table, not in the spec" for i in ours if i not in spec]
    for i in spec.keys() & ours.keys():
        s, r = spec[i], ours[i]
        if (s.sha, s.section, "/".join(s.levels) or "-") != (r.sha, r.section, r.level):
            out.append(f"{i}: the spec's sentence changed ({s.section}: {s.text[:80]}...)")
    return out
