"""DescriptorSet → Python source of an ASGI server stub (route table, dispatch, checks, handler interface).

The compiler first builds a plain model (``server_model``): one ``RouteModel`` per route with its
Python regex, and one ``OperationModel`` per request descriptor with its handler method name, its
typed parameters, the error code each parameter check raises, and the discriminators that pick the
request descriptor among several declared for one method. Templates under
``templates/server/`` turn the model into source; the hand-written ``specgen.server.runtime``
interprets the tables at run time.

Which error code a failed parameter check answers with is derived, in this order:

1. ``dset.extensions["parameter_errors"][<parameter name>]`` when the request declares that code;
2. ``<PARAMETER NAME>_INVALID`` when the request declares it (``digest`` → ``DIGEST_INVALID``);
3. the code of another parameter with the same pattern (``mount`` shares ``digest``'s regexp);
4. the request's only 400 error code (``n`` → ``PAGINATION_NUMBER_INVALID``).

A parameter for which none applies is passed through unchecked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import partial

from specgen import naming
from specgen.compilers import jinja
from specgen.goregexp import go_to_python
from specgen.model import DescriptorSet, ParameterDescriptor, RequestDescriptor, RouteDescriptor
from specgen.paths import compile_path
from specgen.server.runtime import Request

#: Attribute names the runtime request object already uses: its attributes, methods and
#: properties, read off the class. ``content_length`` is shared on purpose: the runtime parses the
#: header into it, as a declared Content-Length parameter would be.
RESERVED = frozenset({"self", *Request.__annotations__, *(n for n in dir(Request) if not n.startswith("_"))}) - {
    "content_length"
}
#: ``"Content-Length"`` → ``content_length``; keywords and ``RESERVED`` get a trailing underscore.
snake = partial(naming.identifier, avoid=naming.KEYWORDS | RESERVED)
#: ``"get blob-upload"`` → ``GetBlobUpload``.
camel = naming.class_name


@dataclass
class ParamModel:
    name: str  # as on the wire: "Content-Length", "digest"
    attr: str  # Python attribute on the typed request: content_length, digest
    location: str  # "path" | "query" | "header"
    required: bool
    integer: bool
    pattern: str | None  # Python regex (full match) or None
    error_code: str | None
    description: str


@dataclass
class OperationModel:
    handler: str  # handler method name
    class_name: str  # typed request class
    method: str
    request_name: str
    description: str
    params: list[ParamModel]
    discriminators: list[str]  # "query:digest", "header:range"
    required_discriminators: list[str]
    failure_codes: list[tuple[str, int]]  # (declared error code, status of the first response
    # declaring it), in declaration order
    success_statuses: list[int]
    failure_statuses: list[int]
    doc_path: str


@dataclass
class RouteModel:
    name: str
    path: str
    doc_path: str
    regex: str
    variables: list[str]
    methods: dict[str, list[OperationModel]] = field(default_factory=dict)


@dataclass
class ServerModel:
    set_name: str
    title: str
    routes: list[RouteModel]
    operations: list[OperationModel]
    errors: list[tuple[str, int, str]]  # (code, http status, message)
    method_not_allowed_code: str | None


def path_regex(path: str) -> tuple[str, list[str], str]:
    """(Python regex matching the whole path, variable names, doc form ``/v2/<name>/...``),
    from ``specgen.paths.compile_path`` (gorilla/mux semantics, nested braces included)."""
    compiled = compile_path(path)
    return compiled.regex.pattern, list(compiled.variables), compiled.doc_form


def _codes(responses, status: int | None = None) -> list[str]:
    out: list[str] = []
    for resp in responses or ():
        if status is not None and resp.status_code != status:
            continue
        for err in resp.error_codes or ():
            if err.value not in out:
                out.append(err.value)
    return out


def _code_statuses(responses) -> list[tuple[str, int]]:
    out: dict[str, int] = {}
    for resp in responses or ():
        for err in resp.error_codes or ():
            out.setdefault(err.value, resp.status_code)
    return list(out.items())


def _pattern_of(p: ParameterDescriptor) -> str | None:
    return p.regexp.go_pattern if p.regexp is not None else None


def _param_error(
    dset: DescriptorSet, req: RequestDescriptor, p: ParameterDescriptor, shared: dict[str, str]
) -> str | None:
    declared = _codes(req.failures)
    bad_request = _codes(req.failures, 400)
    table = dict(dset.extensions.get("parameter_errors", {}) or {})
    if table.get(p.name) in declared:
        return table[p.name]
    own = f"{snake(p.name).rstrip('_').upper()}_INVALID"
    if own in declared:
        return own
    pattern = _pattern_of(p)
    if pattern and shared.get(pattern) in declared:
        return shared[pattern]
    if len(bad_request) == 1:
        return bad_request[0]
    return None


def _shared_pattern_codes(dset: DescriptorSet) -> dict[str, str]:
    """Pattern text → error code, from parameters whose code follows from their own name."""
    shared: dict[str, str] = {}
    for route in dset.routes:
        for method in route.methods or ():
            for req in method.requests or ():
                declared = _codes(req.failures)
                for p in (req.query_parameters or ()) + (req.headers or ()) + (req.path_parameters or ()):
                    pattern = _pattern_of(p)
                    own = f"{snake(p.name).rstrip('_').upper()}_INVALID"
                    if pattern and own in declared:
                        shared.setdefault(pattern, own)
    return shared


def _param_models(dset, route: RouteDescriptor, req: RequestDescriptor, shared) -> list[ParamModel]:
    out: list[ParamModel] = []
    used: set[str] = set()
    groups = (("path", req.path_parameters), ("query", req.query_parameters), ("header", req.headers))
    for location, params in groups:
        for p in params or ():
            attr = snake(p.name)
            if attr in used:
                attr = snake(f"{location} {p.name}")
            used.add(attr)
            pattern = go_to_python(p.regexp.go_pattern) if p.regexp is not None else None
            integer = p.type == "integer"
            checked = pattern is not None or integer or (p.required and location != "path")
            out.append(
                ParamModel(
                    name=p.name if location != "header" else p.name,
                    attr=attr,
                    location=location,
                    required=p.required and location != "path",
                    integer=integer,
                    pattern=pattern,
                    error_code=_param_error(dset, req, p, shared) if checked else None,
                    description=" ".join(p.description.split()),
                )
            )
    return out


def _key(location: str, name: str) -> str:
    return f"{location}:{name.lower() if location == 'header' else name}"


def ambient_headers(dset: DescriptorSet) -> set[str]:
    """Headers declared by more than half of all requests (``Host``, ``Authorization``): they never
    tell two request descriptors apart, even where a descriptor happens to omit them."""
    counts: dict[str, int] = {}
    total = 0
    for route in dset.routes:
        for method in route.methods or ():
            for req in method.requests or ():
                total += 1
                for name in {p.name.lower() for p in req.headers or ()}:
                    counts[name] = counts.get(name, 0) + 1
    return {_key("header", n) for n, c in counts.items() if 2 * c > total}


def server_model(dset: DescriptorSet) -> ServerModel:
    shared = _shared_pattern_codes(dset)
    ambient = ambient_headers(dset)
    routes: list[RouteModel] = []
    operations: list[OperationModel] = []
    used: set[str] = set()
    for route in dset.routes:
        regex, variables, doc_path = path_regex(route.path)
        rm = RouteModel(name=route.name, path=route.path, doc_path=doc_path, regex=regex, variables=variables)
        for method in route.methods or ():
            reqs = method.requests or ()
            keysets = []
            for req in reqs:
                keys = {_key("query", p.name) for p in req.query_parameters or ()}
                keys |= {_key("header", p.name) for p in req.headers or ()}
                keysets.append(keys)
            common = (set.intersection(*keysets) if keysets else set()) | ambient
            ops: list[OperationModel] = []
            for req, keys in zip(reqs, keysets):
                base = req.name or f"{method.method} {route.entity or route.name}"
                handler = snake(base)
                if handler in used:
                    base = f"{base} {route.name}"
                    handler = snake(base)
                n = 2
                while handler in used:
                    handler = snake(f"{base} {n}")
                    n += 1
                used.add(handler)
                params = _param_models(dset, route, req, shared)
                disc = sorted(keys - common)
                required = sorted(
                    _key(p.location, p.name) for p in params if p.required and _key(p.location, p.name) in disc
                )
                ops.append(
                    OperationModel(
                        handler=handler,
                        class_name=camel(handler) + "Request",
                        method=method.method,
                        request_name=req.name,
                        description=" ".join((req.description or method.description).split()),
                        params=params,
                        discriminators=disc,
                        required_discriminators=required,
                        failure_codes=_code_statuses(req.failures),
                        success_statuses=sorted({r.status_code for r in req.successes or ()}),
                        failure_statuses=sorted({r.status_code for r in req.failures or ()}),
                        doc_path=doc_path,
                    )
                )
            rm.methods[method.method] = ops
            operations.extend(ops)
        routes.append(rm)
    errors = [(e.value, e.http_status_code, e.message) for e in dset.errors]
    not_allowed = [e.value for e in dset.errors if e.http_status_code == 405]
    return ServerModel(
        set_name=dset.name,
        title=dset.title,
        routes=routes,
        operations=operations,
        errors=errors,
        method_not_allowed_code=not_allowed[0] if len(not_allowed) == 1 else None,
    )


def _pylit(value) -> str:
    """A deterministic Python literal (strings via json are valid Python string literals)."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, str):
        return repr(value)
    return json.dumps(value)


def generate(dset: DescriptorSet, template_dirs: jinja.TemplateDirs = ()) -> dict[str, str]:
    """File name (relative to the ``server`` package) → Python source."""
    model = server_model(dset)
    ctx = {"m": model, "lit": _pylit}
    return {
        name: jinja.render(f"server/{name}.jinja", ctx, template_dirs)
        for name in ("__init__.py", "routes.py", "handlers.py", "app.py")
    }
