"""What a scenario works with: the session, the set, its repository, ``urls`` (the URL builder of
the set's routes at the registry's base URL: every URL a scenario sends to is built by it or given by
the registry), and ``call`` — one request, validated against the descriptors, recorded in the
current check, with an expectation."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal, overload
from urllib.parse import urlencode, urlsplit, urlunsplit

from specgen.checker.results import Check, Group, Record, Status
from specgen.checker.session import ProtocolViolation, Session, redact
from specgen.checker.validate import Exchange, Finding, Target, descriptor_path, locate, validate
from specgen.distribution.digest import digest_of
from specgen.distribution.registry_urls import RegistryURLBuilder
from specgen.model import DescriptorSet


def with_query(url: str, **params: str) -> str:
    """``url`` with ``params`` appended to its query (keeps what is there, e.g. an upload's state)."""
    split = urlsplit(url)
    extra = urlencode(params)
    query = f"{split.query}&{extra}" if split.query else extra
    return urlunsplit(split._replace(query=query))


def error_codes(ex: Exchange) -> list[str]:
    try:
        doc = json.loads(ex.body)
        return [str(e.get("code")) for e in doc.get("errors", []) if isinstance(e, dict)]
    except (ValueError, AttributeError):
        return []


class StepFailed(Exception):
    """The registry did not do what the step expects; the scenario cannot go on."""


#: How a decline is noted in the message of a check that failed for another reason.
DECLINED = "declined: "


class Declined(Exception):
    """The registry declined an optional operation in a way its descriptors allow."""


@dataclass
class Ledger:
    """What the run pushed, so the cleanup can remove it."""

    manifests: list[tuple[str, str]] = field(default_factory=list)  # (repo, digest)
    blobs: list[tuple[str, str]] = field(default_factory=list)
    uploads: list[str] = field(default_factory=list)  # upload URLs still open


@dataclass
class Exercise:
    """One exchange's place in the coverage table."""

    route: str
    method: str
    request: str
    response: str
    failed: bool


class Context:
    def __init__(
        self,
        session: Session,
        dset: DescriptorSet,
        repo: str,
        ledger: Ledger,
        exercises: list[Exercise],
        credentials: bool,
    ) -> None:
        self.session, self.dset, self.repo, self.ledger = session, dset, repo, ledger
        #: URLs of the set's routes at the registry's base URL (a path prefix in it is kept)
        self.urls = RegistryURLBuilder(session.base_url + "/", routes=dset)
        self.exercises = exercises
        self.credentials = credentials
        #: the registry's OCI-Chunk-Min-Length, once an upload said it (chunks are sized to it)
        self.chunk_min = 1
        #: the pushed manifests with a subject the registry answered without OCI-Subject
        self.unannounced_subjects: list[str] = []
        #: (repository, reference) of the image a read-only run checks
        self.image: tuple[str, str] | None = None
        #: the digest of that image, once pulled
        self.pulled: str | None = None
        self.group: Group | None = None
        self._check: Check | None = None
        #: Called with every exchange (e.g. to note upload sessions a failure left open).
        self.observers: list = []

    # -- checks ---------------------------------------------------------------------------------
    @contextmanager
    def check(self, name: str, independent: bool = False) -> Iterator[Check]:
        """A step; when ``independent``, its failure does not end the scenario."""
        assert self.group is not None
        check = Check(name)
        self.group.checks.append(check)
        self._check = check
        start = time.monotonic()
        try:
            yield check
        except (StepFailed, ProtocolViolation) as exc:
            check.status = max(check.status, Status.FAIL)
            check.message = _join(check.message, str(exc))
            if not independent:
                raise
        except Declined as exc:
            check.status = max(check.status, Status.SKIP)
            # in a check that already failed, the decline is context, not one more departure
            check.message = _join(check.message, str(exc) if check.status == Status.SKIP else f"{DECLINED}{exc}")
            if not independent:
                raise
        except Exception as exc:
            check.status = Status.ERROR
            check.message = _join(check.message, f"{type(exc).__name__}: {exc}")
            raise
        finally:
            check.duration = time.monotonic() - start
            self._check = None

    @overload
    def call(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        expect: int | tuple[int, ...] = 200,
        codes: tuple[str, ...] | None = None,
        decline: Mapping[int, str] | None = None,
        auth: bool = True,
        soft: Literal[False] = False,
    ) -> Exchange: ...

    @overload
    def call(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        expect: int | tuple[int, ...] = 200,
        codes: tuple[str, ...] | None = None,
        decline: Mapping[int, str] | None = None,
        auth: bool = True,
        soft: bool,
    ) -> Exchange | None: ...

    def call(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        expect: int | tuple[int, ...] = 200,
        codes: tuple[str, ...] | None = None,
        decline: Mapping[int, str] | None = None,
        auth: bool = True,
        soft: bool = False,
    ) -> Exchange | None:
        """Send, validate, record; raise StepFailed when the status (or error code) is not the one
        expected, Declined when it is a declared decline of an optional operation. A ``soft`` call
        records a missed expectation as a failure of the check and returns None instead."""
        try:
            return self._call(
                method, path, headers=headers, body=body, expect=expect, codes=codes, decline=decline, auth=auth
            )
        except (StepFailed, ProtocolViolation) as exc:
            if not soft:
                raise
            assert self._check is not None
            self._check.status = max(self._check.status, Status.FAIL)
            self._check.message = _join(self._check.message, str(exc))
            return None

    def _call(self, method: str, path: str, *, headers, body, expect, codes, decline, auth) -> Exchange:
        check = self._check
        assert check is not None, "call() outside a check"
        try:
            ex, record = self.session.send(method, path, headers=headers, body=body, auth=auth)
        except ProtocolViolation as exc:
            # keep what was sent in the transcript: the answer is the broken part
            check.records.append(
                Record(
                    method,
                    self.session.url(path),
                    redact(headers or {}),
                    body or b"",
                    0,
                    [],
                    b"",
                    findings=[Finding("error", "", str(exc))],
                )
            )
            raise
        for observe in self.observers:
            observe(ex)
        findings = list(validate(ex, self.dset))
        record.findings = findings
        target = locate(ex, self.dset)
        if isinstance(target, Target):
            record.descriptor = descriptor_path(
                target.route.name, target.method.method, target.request_label, target.response_label
            )
            failed = any(f.severity == "error" for f in findings)
            for label in target.request_label.split(" | ") if target.ambiguous else [target.request_label]:
                self.exercises.append(
                    Exercise(
                        target.route.name,
                        target.method.method,
                        label,
                        target.response_label if target.response else "",
                        failed,
                    )
                )
        check.records.append(record)
        errors = [f for f in findings if f.severity == "error"]
        if errors:
            check.status = max(check.status, Status.FAIL)
            check.message = _join(check.message, "; ".join(f"{f.path}: {f.message}" for f in errors))
        expected = (expect,) if isinstance(expect, int) else tuple(expect)
        if decline and ex.status in decline and ex.status not in expected:
            if not errors and isinstance(target, Target) and target.response is not None:
                raise Declined(f"{decline[ex.status]} ({' '.join([str(ex.status), *error_codes(ex)])})")
        if ex.status not in expected:
            got = " ".join([str(ex.status), *error_codes(ex)])
            want = " or ".join(map(str, expected)) + (f" {'/'.join(codes)}" if codes else "")
            raise StepFailed(f"{method} {urlsplit(ex.url).path}: expected {want}, got {got}")
        if codes and ex.status >= 400 and not set(codes) & set(error_codes(ex)):
            raise StepFailed(
                f"{method} {urlsplit(ex.url).path}: expected error code "
                f"{' or '.join(codes)}, got {', '.join(error_codes(ex)) or 'none'}"
            )
        return ex

    def fail(self, message: str) -> None:
        raise StepFailed(message)

    def note(self, message: str) -> None:
        if self._check is not None:
            self._check.message = _join(self._check.message, message)


def _join(a: str, b: str) -> str:
    if not a:
        return b
    parts = a.split("; ")
    return a if all(p in parts for p in b.split("; ")) else "; ".join(dict.fromkeys(parts + b.split("; ")))


__all__ = [
    "Context",
    "Declined",
    "Exercise",
    "Finding",
    "Ledger",
    "StepFailed",
    "digest_of",
    "error_codes",
    "with_query",
]
