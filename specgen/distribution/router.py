"""Route a request path to a descriptor the way distribution's router (gorilla/mux v1.8 with
``StrictSlash(true)``, optionally under a ``PathPrefix`` subrouter) does.

Gorilla first cleans the path (``path.Clean``, keeping a final ``/``); if cleaning changes it, it
answers ``301`` to the cleaned path without routing. Otherwise it tries the routes in registration
order (the descriptor set's order); the first whose template matches wins. With strict slash a
template ending in ``/`` also matches without it and the reverse, and the answer is then a ``301`` to
the template's form. No match: ``404``.

:meth:`Router.resolve` gives that single answer (what a server sends). :meth:`Router.match` follows
redirects as Go's HTTP client does and gives the route and variables the request finally reaches,
which is what distribution's ``routes_test.go`` checks.

A router is built from a descriptor set (``Router(dset)``: matches carry ``RouteDescriptor``s) or
from any (route, gorilla path) pairs (``Router.of(pairs)``: matches carry those route objects, e.g.
the generated server's ``Route``s), so the server, the checker and ``validate`` share one matcher.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Generic, NamedTuple, TypeVar
from urllib.parse import quote

from specgen.model import DescriptorSet, RouteDescriptor
from specgen.paths import CompiledPath, compile_path

#: Go's http.Client gives up after this many redirects.
MAX_REDIRECTS = 10

#: What a router routes to: a ``RouteDescriptor``, or whatever object ``Router.of`` was given.
R = TypeVar("R")


class RouteMatch(NamedTuple, Generic[R]):
    route: R
    variables: dict[str, str]
    #: When reaching the route took redirects: the request URI finally served (path?query,
    #: percent-encoded as Go writes a Location). ``None`` when the path routed directly.
    redirect: str | None = None


class Resolution(NamedTuple):
    """Gorilla's answer to one request: 200 with a match, 301 with a location, or 404."""

    status: int
    match: RouteMatch[Any] | None
    location: str | None = None


class Router(Generic[R]):
    """Routes in registration order, each with its compiled gorilla path (strict slash)."""

    routes: tuple[tuple[R, CompiledPath], ...]

    def __init__(self: Router[RouteDescriptor], dset: DescriptorSet, prefix: str = "") -> None:
        self._setup(((route, route.path) for route in dset.routes), prefix)
        self.dset: DescriptorSet | None = dset

    @classmethod
    def of(cls, routes: Iterable[tuple[R, str]], prefix: str = "") -> Router[R]:
        """A router over (route object, gorilla path template) pairs, tried in the order given."""
        router: Router[R] = cls.__new__(cls)
        router._setup(routes, prefix)
        router.dset = None
        return router

    def _setup(self, routes: Iterable[tuple[R, str]], prefix: str) -> None:
        self.prefix = prefix
        base = prefix.rstrip("/")
        self.routes = tuple((route, compile_path(base + path, strict_slash=True)) for route, path in routes)
        # what resolve() needs per route, looked up once (it runs on every request of the server)
        self._table = tuple(
            (route, compiled.regex.match, compiled.template.endswith("/")) for route, compiled in self.routes
        )

    def resolve(self, path: str, query: str = "") -> Resolution:
        """One request's answer. ``path`` is the decoded URL path (ASGI ``scope["path"]``),
        ``query`` the raw query string; both are only used to build a redirect location."""
        cleaned = clean_path(path)
        if cleaned != path:
            return Resolution(301, None, location(cleaned, query))
        if self.prefix and not path.startswith(self.prefix):
            return Resolution(404, None)
        has_slash = path.endswith("/")
        for route, match, wants_slash in self._table:
            m = match(path)
            if m is None:
                continue
            found: RouteMatch[R] = RouteMatch(route, m.groupdict())
            if has_slash != wants_slash:
                fixed = path[:-1] if has_slash else path + "/"
                return Resolution(301, found, location(fixed, query))
            return Resolution(200, found)
        return Resolution(404, None)

    def match(self, path: str, query: str = "") -> RouteMatch[R] | None:
        """The route and variables a client reaches, following redirects; ``None`` for 404."""
        redirected: str | None = None
        for _ in range(MAX_REDIRECTS + 1):
            answer = self.resolve(path, query)
            if answer.status == 200:
                assert answer.match is not None
                return answer.match._replace(redirect=redirected)
            if answer.status != 301:
                return None
            assert answer.location is not None
            redirected = answer.location
            # The location carries the path percent-encoded; the server sees it decoded again.
            path = _redirect_path(path, answer)
        return None

    def compiled(self, route_name: str) -> CompiledPath:
        for route, compiled in self.routes:
            if getattr(route, "name", None) == route_name:
                return compiled
        raise KeyError(route_name)


def clean_path(path: str) -> str:
    """gorilla's ``cleanPath``: Go's ``path.Clean`` on a rooted path, final ``/`` kept."""
    if path[:1] == "/" and "//" not in path and "/." not in path:
        return path  # already clean: no empty, "." or ".." segment (the common case, kept fast)
    if path == "":
        return "/"
    if not path.startswith("/"):
        path = "/" + path
    stack: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if stack:
                stack.pop()
            continue
        stack.append(segment)
    cleaned = "/" + "/".join(stack)
    if path.endswith("/") and cleaned != "/":
        cleaned += "/"
    return cleaned


def escape_path(path: str) -> str:
    """Go's ``url.URL.EscapedPath`` for a path without a valid raw form (``encodePath`` mode)."""
    return quote(path, safe="$&+,/:;=@")


def location(path: str, query: str = "") -> str:
    """The ``Location`` gorilla writes for a path-only request URL: escaped path, query kept."""
    return escape_path(path) + ("?" + query if query else "")


def _redirect_path(path: str, answer: Resolution) -> str:
    if answer.match is None:  # a clean-path redirect
        return clean_path(path)
    return path[:-1] if path.endswith("/") else path + "/"
