"""DescriptorSet → Python client package (``build/<set>/client/``), through the Jinja templates in
``templates/client/``.

One method per request descriptor, named after the request (``"Fetch Blob"`` → ``fetch_blob``) or,
when unnamed, after method and route (``GET`` on ``manifest`` → ``get_manifest``); one result class
per method with the headers its success responses declare; one exception class per error code
(``BLOB_UNKNOWN`` → ``BlobUnknown``). The generated code runs on ``specgen.client.runtime``.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from specgen import naming
from specgen.compilers import jinja
from specgen.model import DescriptorSet, ErrorDescriptor, ParameterDescriptor
from specgen.paths import compile_path

#: headers the transport sets itself; not method arguments
TRANSPORT_HEADERS = frozenset({"host", "authorization", "content-length"})
#: keyword arguments every generated method already has
RESERVED = frozenset(
    {"self", "headers", "body", "content_type", "content_length", "url", "stream", "progress", "method"}
)
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$")


def name_of(text: str) -> str:
    """A method or attribute name: ``"Initiate Monolithic Blob Upload"`` →
    ``initiate_monolithic_blob_upload``, ``artifactType`` → ``artifact_type`` (keywords are
    kept: the caller decides how to avoid them)."""
    return naming.identifier(text, avoid=frozenset(), split_camel=True)


def argument(name: str) -> str:
    """A parameter name usable as a Python argument: ``from`` → ``from_``, ``Range`` → ``range_``."""
    return naming.identifier(name, avoid=naming.KEYWORDS | RESERVED | naming.BUILTINS, split_camel=True)


def error_class_name(err: ErrorDescriptor) -> str:
    """``BLOB_UNKNOWN`` → ``BlobUnknown``; a code without separators takes the words of its
    message when they spell it (``TOOMANYREQUESTS``, "too many requests" → ``TooManyRequests``)."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", err.value) if w]
    if len(words) == 1:
        msg = re.findall(r"[A-Za-z0-9]+", err.message)
        if "".join(msg).lower() == words[0].lower():
            words = msg
    return naming.class_name(" ".join(w.lower() for w in words))


def _py_type(param: ParameterDescriptor) -> str:
    return "int" if param.type == "integer" else "str"


@dataclass
class Param:
    name: str  # wire name
    arg: str  # python argument
    type: str  # python annotation
    required: bool
    description: str
    format: str


@dataclass
class Op:
    name: str
    result: str
    route: str
    method: str
    request: str
    summary: str
    description: str
    template: str
    regex: str
    variables: tuple[str, ...]
    successes: tuple[int, ...]
    path_params: list[Param]
    query_params: list[Param]
    header_params: list[Param]
    has_body: bool
    body_type: str
    default_content_type: str | None
    result_headers: list[tuple[str, str, str, str]]  # (attr, header, kind, annotation)
    raises: list[str]
    success_lines: list[str] = field(default_factory=list)


def _params(params, seen: set[str], skip=frozenset()) -> list[Param]:
    out = []
    for p in params or ():
        if p.name.lower() in skip:
            continue
        arg = argument(p.name)
        while arg in seen:
            arg += "_"
        seen.add(arg)
        out.append(Param(p.name, arg, _py_type(p), p.required, " ".join(p.description.split()), p.format))
    return out


def operations(dset: DescriptorSet) -> list[Op]:
    """Every request descriptor of the set, in descriptor order, with unique method names."""
    ops: list[Op] = []
    used: set[str] = set()
    for route in dset.routes:
        compiled = compile_path(route.path)
        for method in route.methods or ():
            for req in method.requests or ():
                base = name_of(req.name) if req.name else name_of(f"{method.method} {route.name}")
                name, n = base, 1
                if name in used or keyword.iskeyword(name) or name.startswith("_"):
                    name = f"{name_of(method.method)}_{base}"
                while name in used:
                    n += 1
                    name = f"{base}_{n}"
                used.add(name)
                seen: set[str] = set()
                path_params = []
                declared = {p.name: p for p in req.path_parameters or ()}
                for var in compiled.variables:
                    p = declared.get(var, ParameterDescriptor(name=var, type="string", required=True))
                    path_params += _params([p], seen)
                query = _params(req.query_parameters, seen)
                heads = _params(req.headers, seen, TRANSPORT_HEADERS)
                headers: dict[str, tuple[str, str, str, str]] = {}
                for resp in req.successes or ():
                    for h in resp.headers or ():
                        attr = name_of(h.name)
                        if attr in ("status", "body", "content", "response", "headers"):
                            attr += "_header"
                        kind = "integer" if h.type == "integer" else "string"
                        headers.setdefault(attr, (attr, h.name, kind, _py_type(h) + " | None"))
                codes: list[str] = []
                for resp in req.failures or ():
                    for err in resp.error_codes or ():
                        cls = error_class_name(err)
                        if cls not in codes:
                            codes.append(cls)
                ctype = req.body.content_type
                lines = []
                for resp in req.successes or ():
                    text = " ".join((resp.description or "").split())
                    lines.append(f"{resp.status_code}{' ' + resp.name if resp.name else ''}: {text}")
                ops.append(
                    Op(
                        name=name,
                        result=naming.class_name(name) + "Result",
                        route=route.name,
                        method=method.method,
                        request=req.name,
                        summary=f"{req.name or route.entity or route.name}: {method.method} "
                        f"{compiled.openapi_template}",
                        description=_doc(req.description or method.description),
                        template=compiled.openapi_template,
                        regex=compiled.regex.pattern,
                        variables=tuple(compiled.variables),
                        successes=tuple(dict.fromkeys(r.status_code for r in req.successes or ())),
                        path_params=path_params,
                        query_params=query,
                        header_params=heads,
                        has_body=bool(ctype),
                        body_type=ctype,
                        default_content_type=ctype if _MEDIA_TYPE.match(ctype or "") else None,
                        result_headers=list(headers.values()),
                        raises=codes,
                        success_lines=lines,
                    )
                )
    return ops


def _doc(text: str) -> str:
    """Descriptor prose made safe inside a triple-quoted docstring."""
    return "\n".join(
        line.rstrip() for line in text.strip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"').splitlines()
    )


def errors(dset: DescriptorSet) -> list[dict[str, str | int]]:
    out: list[dict[str, str | int]] = []
    seen: set[str] = set()
    for _, group in dset.error_groups():
        for err in group:
            name = error_class_name(err)
            while name in seen:
                name += "Error"
            seen.add(name)
            out.append(
                {
                    "name": name,
                    "code": err.value,
                    "group": err.group,
                    "message": err.message,
                    "status": err.http_status_code,
                    "description": _doc(" ".join(err.description.split())),
                }
            )
    return out


FILES = ("__init__.py", "errors.py", "results.py", "api.py")


def generate(dset: DescriptorSet, template_dirs: jinja.TemplateDirs = ()) -> Iterator[tuple[str, str]]:
    """``(file name, Python source)`` of each module of the client package."""
    context = {"set": dset, "ops": operations(dset), "errors": errors(dset)}
    for fname in FILES:
        yield fname, jinja.render(f"client/{fname}.jinja", context, template_dirs)
