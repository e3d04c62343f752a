"""Run the scenarios against one registry and assemble the report (results and coverage)."""

from __future__ import annotations

import fnmatch
import json
import secrets
import time
from collections.abc import Sequence
from typing import Protocol

import httpx

from specgen.checker import scenarios as registry_scenarios
from specgen.checker.context import Context, Declined, Exercise, Ledger, StepFailed
from specgen.checker.results import Check, CoverageRow, Group, Report, Status
from specgen.checker.session import ProtocolViolation, Session
from specgen.checker.validate import request_label, responses_of
from specgen.errors import UserError
from specgen.model import DescriptorSet


class Progress(Protocol):
    def group_started(self, index: int, total: int, name: str) -> None: ...
    def group_finished(self, group: Group) -> None: ...


class _Quiet:
    def group_started(self, index: int, total: int, name: str) -> None:
        pass

    def group_finished(self, group: Group) -> None:
        pass


def default_repository() -> str:
    """A repository of this run's own, so the checker never touches anyone else's data."""
    return f"specgen-conformance/{secrets.token_hex(4)}"


def selected(name: str, only: Sequence[str], skip: Sequence[str]) -> bool:
    if only and not any(fnmatch.fnmatchcase(name, p) for p in only):
        return False
    return not any(fnmatch.fnmatchcase(name, p) for p in skip)


def scenarios_for(read_only: bool) -> list[registry_scenarios.Scenario]:
    """The groups of a push run, or of a read-only run."""
    modes = ("pull", "both") if read_only else ("push", "both")
    return [s for s in registry_scenarios.SCENARIOS if s.mode in modes]


def check_patterns(only: Sequence[str], skip: Sequence[str], read_only: bool = False) -> None:
    """Every --only/--skip pattern names at least one group of the run (``cleanup`` included for
    --skip): else UserError, listing the groups, so a typo never runs nothing and passes."""
    names = [s.name for s in scenarios_for(read_only)]
    for flag, patterns, known in (("--only", only, names), ("--skip", skip, [*names, "cleanup"])):
        for pattern in patterns:
            if not any(fnmatch.fnmatchcase(n, pattern) for n in known):
                raise UserError(
                    f"{flag} {pattern!r} matches no group of this run; groups: {', '.join(known)} (see --list)"
                )


def parse_image(text: str) -> tuple[str, str]:
    """``repo:tag`` or ``repo@digest`` -> (repository, tag or digest), else UserError."""
    from specgen.distribution.reference import ReferenceError, parse

    try:
        ref = parse(text)
    except ReferenceError as exc:
        raise UserError(f"--read-only {text!r} is not an image reference (repo:tag or repo@digest): {exc}") from None
    if not (ref.tag or ref.digest):
        raise UserError(f"--read-only {text!r} names no tag or digest (repo:tag or repo@digest)")
    return ref.name, ref.digest or ref.tag


def preflight(session: Session, credentials: bool, url: str) -> list[str]:
    """Is ``url`` (the base route) a reachable V2 registry we may talk to? Raise UserError (exit 2)
    when not."""
    try:
        ex, _ = session.send("GET", url)
    except UserError as exc:
        raise UserError(f"cannot reach a registry at {session.base_url}: {exc}") from None
    headers = {k.lower(): v for k, v in ex.response_headers.items()}
    notes: list[str] = []
    if ex.status == 401:
        if "www-authenticate" not in headers:
            raise UserError(f"{url} answered 401 without a WWW-Authenticate challenge: not a V2 registry?")
        if credentials:
            raise UserError(f"{url} rejected the credentials given (401)")
        raise UserError(f"{url} requires authentication: pass --user/--password or --token")
    if ex.status != 200:
        raise UserError(
            f"{url} answered {ex.status}, not 200 or 401: {session.base_url} does not look "
            "like a registry implementing the V2 API"
        )
    version = headers.get("docker-distribution-api-version")
    if version is None:  # the base group fails on it; here it only tells a registry from a web page
        try:
            json.loads(ex.body or b"{}")
        except ValueError:
            raise UserError(
                f"{url} answered 200 with a non-JSON body and no Docker-Distribution-API-Version "
                f"header: {session.base_url} does not look like a registry"
            ) from None
    return notes


def run(
    base_url: str,
    dset: DescriptorSet,
    *,
    repo: str | None = None,
    user: str | None = None,
    password: str | None = None,
    token: str | None = None,
    insecure: bool = False,
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
    progress: Progress | None = None,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
    read_only: str | None = None,
) -> Report:
    """Check the registry at ``base_url`` against ``dset``; the Report holds every result.
    ``read_only`` (``repo:tag`` or ``repo@digest``): check that image, push and delete nothing.
    ``transport`` replaces the network (tests)."""
    if not registry_scenarios.applies(dset):
        raise UserError(f"set {dset.name!r} lacks the registry routes the conformance scenarios drive")
    progress = progress or _Quiet()
    name_grammar = dset.grammar.get("ReferenceUnexported", {}).get("anchoredNameRegexp")
    if repo is not None and name_grammar is not None and not name_grammar.fullmatch(repo):
        raise UserError(f"--repo {repo!r} is not a valid repository name (lowercase path components)")
    image = parse_image(read_only) if read_only else None
    check_patterns(only, skip, image is not None)
    if image is not None:
        repo = image[0]
    repo = repo or default_repository()
    session = Session(
        base_url, user=user, password=password, token=token, insecure=insecure, timeout=timeout, transport=transport
    )
    credentials = bool(user is not None or token)
    report = Report(target=base_url, set_name=dset.name, repository=repo)
    start = time.monotonic()
    try:
        ledger, exercises = Ledger(), list[Exercise]()
        ctx = Context(session, dset, repo, ledger, exercises, credentials)
        ctx.image = image
        report.notes += preflight(session, credentials, ctx.urls.base())
        ctx.observers.append(lambda ex: registry_scenarios.observe(ctx, ex))
        chosen = [s for s in scenarios_for(image is not None) if selected(s.name, only, skip)]
        run_cleanup = image is None and selected("cleanup", (), skip)
        total = len(chosen) + int(run_cleanup)
        for i, sc in enumerate(chosen, 1):
            if report.aborted:
                break
            reason = sc.requires(dset) if sc.requires else None
            if reason:  # nothing in the set to check: not a result, a note
                report.notes.append(f"group {sc.name} not run: {reason}")
                continue
            group = Group(sc.name, sc.description)
            report.groups.append(group)
            progress.group_started(i, total, sc.name)
            report.aborted = _run_group(ctx, group, sc.run)
            progress.group_finished(group)
        if run_cleanup and not report.aborted:
            group = Group("cleanup", "remove what this run pushed")
            report.groups.append(group)
            progress.group_started(total, total, "cleanup")
            _run_group(ctx, group, registry_scenarios.cleanup)
            progress.group_finished(group)
        report.coverage = coverage(dset, exercises)
    finally:
        session.close()
        report.duration = time.monotonic() - start
    return report


def _run_group(ctx: Context, group: Group, func) -> str:
    """Run one scenario; returns why the whole run must stop (the registry went away), or ""."""
    ctx.group = group
    try:
        func(ctx)
    except (StepFailed, Declined, ProtocolViolation):
        pass  # recorded on the check; the rest of the workflow depends on that step
    except UserError as exc:  # the connection went away mid-run: nothing more can be checked
        _mark_error(group, str(exc))
        return f"the registry stopped answering during {group.name}: {exc}"
    except Exception as exc:  # noqa: BLE001 - a checker bug must not hide the other groups
        _mark_error(group, f"{type(exc).__name__}: {exc}")
    finally:
        ctx.group = None
    return ""


def _mark_error(group: Group, message: str) -> None:
    if group.checks and group.checks[-1].status == Status.ERROR:
        return  # already marked by the check context
    group.checks.append(Check("(checker could not proceed)", Status.ERROR, message))


def coverage(dset: DescriptorSet, exercises: list[Exercise]) -> list[CoverageRow]:
    """A row per route, method, request and response descriptor with how often it was exercised."""
    rows: list[CoverageRow] = []

    def tally(match) -> tuple[int, int]:
        hits = [e for e in exercises if match(e)]
        return len(hits), sum(1 for e in hits if e.failed)

    for route in dset.routes:
        n, f = tally(lambda e, r=route.name: e.route == r)
        rows.append(CoverageRow("route", route.name, n, f))
        for method in route.methods or ():
            mp = f"{route.name}/{method.method}"
            n, f = tally(lambda e, r=route.name, m=method.method: e.route == r and e.method == m)
            rows.append(CoverageRow("method", mp, n, f))
            for i, request in enumerate(method.requests or ()):
                label = request_label(method, i)
                where = (route.name, method.method, label)
                n, f = tally(lambda e, w=where: (e.route, e.method, e.request) == w)
                rows.append(CoverageRow("request", f"{mp}/{label}", n, f))
                responses = responses_of(request)
                for rlabel, resp, _ in responses:
                    n, f = tally(lambda e, w=where, rl=rlabel: (e.route, e.method, e.request, e.response) == (*w, rl))
                    shared = sum(1 for _, r, _ in responses if r.status_code == resp.status_code) > 1
                    reason = (
                        ""
                        if n
                        else registry_scenarios.unprovokable_reason(
                            route.name, method.method, resp, shared, registry_scenarios.SCENARIOS
                        )
                    )
                    rows.append(CoverageRow("response", f"{mp}/{label}/{rlabel}", n, f, reason))
    return rows
