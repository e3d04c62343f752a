"""``specgen check URL``: run the conformance scenarios against a live registry."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from specgen.descriptors import BUNDLED, DEFAULT_SET, load_set
from specgen.errors import UserError
from specgen.model import DescriptorSet


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check",
        help="check a live registry against the descriptors",
        description="Drive a registry through push/pull/list/delete workflows and every "
        "provokable failure, validate each exchange against the descriptors, and report "
        "results and descriptor coverage. Exit 0: no failure; 1: failures; 2: usage or "
        "connection error.",
    )
    p.add_argument("url", nargs="?", help="base URL of the registry, e.g. http://127.0.0.1:5000")
    p.add_argument("--set", default=None, help=f"descriptor set (default: {DEFAULT_SET})")
    p.add_argument("--repo", help="repository to work in (default: specgen-conformance/<random>)")
    auth = p.add_mutually_exclusive_group()
    auth.add_argument("--user", help="user name for basic auth or a token realm")
    auth.add_argument("--token", help="bearer token sent with every request")
    p.add_argument("--password", help="password for --user (also $SPECGEN_CHECK_PASSWORD or --password-stdin)")
    # the auth group (specgen/checker/scenarios/auth.py): secrets from env or stdin, not only argv
    p.add_argument("--password-stdin", action="store_true", help="read --user's password from stdin's first line")
    p.add_argument("--pull-user", help="a second, pull-only account for the auth group ($SPECGEN_CHECK_PULL_USER)")
    p.add_argument("--pull-password", help="its password ($SPECGEN_CHECK_PULL_PASSWORD)")
    p.add_argument("--insecure", action="store_true", help="do not verify TLS certificates")
    p.add_argument(
        "--read-only",
        metavar="REPO:TAG",
        help="check an image the registry already holds (repo:tag or repo@digest), pushing nothing",
    )
    p.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="GROUP",
        help="run only this group (glob; repeatable; one matching no group is an error; see --list)",
    )
    p.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="GROUP",
        help="skip this group (glob; repeatable; 'cleanup' keeps what was pushed)",
    )
    p.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML here")
    p.add_argument("--json", type=Path, metavar="FILE", help="write the JSON report here")
    p.add_argument("--html", type=Path, metavar="FILE", help="write the single-file HTML report here")
    p.add_argument("--list", action="store_true", help="print the groups and their checks, and exit")
    p.add_argument("-v", "--verbose", action="store_true", help="print the full transcripts of failures")
    p.add_argument(
        "--transcripts",
        type=Path,
        metavar="FILE",
        help="write every exchange in full here (default: specgen-check-<run>.log in the temporary directory)",
    )
    p.add_argument("--coverage", action="store_true", help="print the descriptor coverage table")
    p.add_argument("--no-coverage", action="store_true", help=argparse.SUPPRESS)  # the default now
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default: 30)")
    p.set_defaults(func=run)


def other_bundled_sets(dset: DescriptorSet) -> list[DescriptorSet]:
    """The bundled sets besides ``dset`` the scenarios apply to (candidates for the fit hint)."""
    from specgen.checker.scenarios import applies

    sets = []
    for name in BUNDLED:
        if name == dset.name:
            continue
        try:
            other = load_set(name)
        except (UserError, LookupError):  # a bundled set that does not load: no candidate
            continue
        if applies(other):
            sets.append(other)
    return sets


def run(args: argparse.Namespace) -> int:
    from specgen.checker import reports, runner
    from specgen.checker.fit import best_fit, fit_summary
    from specgen.checker.scenarios import auth as auth_group

    if args.list:
        from specgen.checker.listing import list_text

        print(list_text())
        return 0
    if args.url is None:
        raise UserError("check needs the registry's URL (or --list)")
    auth_group.configure_from_args(args)  # env SPECGEN_CHECK_*, --password-stdin, the pull-only account
    if args.password is not None and args.user is None:
        raise UserError("--password needs --user")
    if not args.url.startswith(("http://", "https://")):
        raise UserError(f"{args.url!r} is not an http(s) URL")
    dset = load_set(args.set or DEFAULT_SET)
    report = runner.run(
        args.url,
        dset,
        repo=args.repo,
        user=args.user,
        password=args.password,
        token=args.token,
        insecure=args.insecure,
        only=args.only,
        skip=args.skip,
        progress=reports.TerminalProgress(sys.stderr),
        timeout=args.timeout,
        read_only=args.read_only,
    )
    transcripts = args.transcripts or Path(tempfile.gettempdir()) / f"specgen-check-{report.run_id}.log"
    writers = (
        (args.junit, reports.to_junit),
        (args.json, reports.to_json),
        (args.html, lambda r: reports.to_html(r, dset)),
        (transcripts, reports.transcripts_text),
    )
    for path, render in writers:
        if path is not None:
            try:
                path.write_text(render(report), encoding="utf-8")
            except OSError as exc:
                raise UserError(f"cannot write {path}: {exc}") from None
    print(reports.summary_text(report, args.coverage, args.verbose, str(transcripts)))
    if report.aborted:
        raise UserError(f"{report.aborted} (reports hold the checks run so far; nothing was cleaned up)")
    print(fit_summary(report, dset, other_bundled_sets(dset)))  # which bundled set/release fits best
    hint = best_fit(report, dset, other_bundled_sets(dset))
    if hint is not None:
        print(hint)
    return 0 if report.status <= reports.Status.SKIP else 1
