"""What a scenario is: a named group of checks, what it needs of a set, and the responses it can
provoke only from a registry that declines the operation (declared here, next to the scenario)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from specgen.checker.context import Context
from specgen.model import DescriptorSet


@dataclass(frozen=True)
class Decline:
    """A declared response a scenario gets only when the registry declines what it asks (it is then
    reported as Skip): e.g. 202 to ``POST ?mount=`` from a registry that opens an upload instead."""

    route: str  # a specgen.distribution.routenames constant
    method: str
    status: int


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    run: Callable[[Context], None]
    requires: Callable[[DescriptorSet], str | None] | None = None  # -> reason to skip, or None
    declines: tuple[Decline, ...] = ()
    #: "push": a run that pushes its own data (the default); "pull": only in a read-only run, which
    #: checks an image the registry already holds; "both": reads only, so runs in either
    mode: str = "push"


def scenario(
    name: str,
    description: str,
    requires: Callable[[DescriptorSet], str | None] | None = None,
    declines: tuple[Decline, ...] = (),
    mode: str = "push",
) -> Callable[[Callable[[Context], None]], Scenario]:
    """Make the decorated workflow a :class:`Scenario`."""

    def make(func: Callable[[Context], None]) -> Scenario:
        return Scenario(name, description, func, requires, declines, mode)

    return make


def has_route(route: str) -> Callable[[DescriptorSet], str | None]:
    """A ``requires`` for a scenario that needs ``route`` (a routenames constant) in the set."""

    def requires(dset: DescriptorSet) -> str | None:
        return None if any(r.name == route for r in dset.routes) else f"the set has no {route} route"

    return requires


def declares_query(dset: DescriptorSet, param: str) -> bool:
    """Whether any request of the set declares the query parameter ``param``."""
    return any(
        p.name == param
        for r in dset.routes
        for m in r.methods or ()
        for q in m.requests or ()
        for p in q.query_parameters or ()
    )


def declares_status(dset: DescriptorSet, route: str, method: str, status: int) -> bool:
    """Whether a request of ``route``/``method`` declares a response with ``status``."""
    try:
        r = dset.route(route)
    except KeyError:
        return False
    return any(
        resp.status_code == status
        for m in r.methods or ()
        if m.method == method
        for q in m.requests or ()
        for resp in (q.successes or ()) + (q.failures or ())
    )
