"""DescriptorSet → Python client package (``build/<set>/client/``), through the Jinja templates in
``specgen/templates/client/``.

One method per request descriptor, named after the request (``"Fetch Blob"`` → ``fetch_blob``) or,
when unnamed, after method and route (``GET`` on ``manifest`` → ``get_manifest``); one result class
per method with the headers its success responses declare; one exception class per error code
(``BLOB_UNKNOWN`` → ``BlobUnknown``). The generated code runs on ``specgen.client.runtime``.
"""

from __future__ import annotations

import builtins
import keyword
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import jinja2

from specgen.model import DescriptorSet, ErrorDescriptor, ParameterDescriptor
from specgen.paths import compile_path

from specgen.layout import TEMPLATES  # noqa: E402

#: headers the transport sets itself; not method arguments
TRANSPORT_HEADERS = frozenset({"host", "authorization", "content-length"})
#: keyword arguments every generated method already has
RESERVED = frozenset({"self", "headers", "body", "content_type", "content_length", "url", "stream",
                      "progress", "method"})
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$")


def snake(text: str) -> str:
    """``"Initiate Monolithic Blob Upload"`` → ``initiate_monolithic_blob_upload``."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    ident = "_".join(w.lower() for w in re.findall(r"[A-Za-z0-9]+", text)) or "_"
    return "_" + ident if ident[0].isdigit() else ident


def camel(text: str) -> str:
    """``"fetch_blob result"`` → ``FetchBlobResult``."""
    ident = "".join(w[:1].upper() + w[1:] for w in re.findall(r"[A-Za-z0-9]+", text)) or "X"
    return "_" + ident if ident[0].isdigit() else ident


def argument(name: str) -> str:
    """A parameter name usable as a Python argument: ``from`` → ``from_``, ``Range`` → ``range_``."""
    ident = snake(name)
    if keyword.iskeyword(ident) or ident in RESERVED or hasattr(builtins, ident):
        ident += "_"
    return ident


def error_class_name(err: ErrorDescriptor) -> str:
    """``BLOB_UNKNOWN`` → ``BlobUnknown``; a code without separators takes the words of its
    message when they spell it (``TOOMANYREQUESTS``, "too many requests" → ``TooManyRequests``)."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", err.value) if w]
    if len(words) == 1:
        msg = re.findall(r"[A-Za-z0-9]+", err.message)
        if "".join(msg).lower() == words[0].lower():
            words = msg
    return camel(" ".join(w.lower() for w in words))


def _py_type(param: ParameterDescriptor) -> str:
    return "int" if param.type == "integer" else "str"


@dataclass
class Param:
    name: str            # wire name
    arg: str             # python argument
    type: str            # python annotation
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
    result_headers: list[tuple[str, str, str, str]]   # (attr, header, kind, annotation)
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
        out.append(Param(p.name, arg, _py_type(p), p.required, " ".join(p.description.split()),
                         p.format))
    return out


def operations(dset: DescriptorSet) -> list[Op]:
    """Every request descriptor of the set, in descriptor order, with unique method names."""
    ops: list[Op] = []
    used: set[str] = set()
    for route in dset.routes:
        compiled = compile_path(route.path)
        for method in route.methods or ():
            for req in method.requests or ():
                base = snake(req.name) if req.name else snake(f"{method.method} {route.name}")
                name, n = base, 1
                if name in used or keyword.iskeyword(name) or name.startswith("_"):
                    name = f"{snake(method.method)}_{base}"
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
                        attr = snake(h.name)
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
                ops.append(Op(
                    name=name, result=camel(name) + "Result", route=route.name,
                    method=method.method, request=req.name,
                    summary=f"{req.name or route.entity or route.name}: {method.method} "
                            f"{compiled.openapi_template}",
                    description=_doc(req.description or method.description),
                    template=compiled.openapi_template, regex=compiled.regex.pattern,
                    variables=tuple(compiled.variables),
                    successes=tuple(dict.fromkeys(r.status_code for r in req.successes or ())),
                    path_params=path_params, query_params=query, header_params=heads,
                    has_body=bool(ctype), body_type=ctype,
                    default_content_type=ctype if _MEDIA_TYPE.match(ctype or "") else None,
                    result_headers=list(headers.values()), raises=codes, success_lines=lines,
                ))
    return ops


def _doc(text: str) -> str:
    """Descriptor prose made safe inside a triple-quoted docstring."""
    return "\n".join(line.rstrip() for line in text.strip().replace("\\", "\\\\")
                     .replace('"""', '\\"\\"\\"').splitlines())


def errors(dset: DescriptorSet) -> list[dict[str, str | int]]:
    out, seen = [], set()
    for _, group in dset.error_groups():
        for err in group:
            name = error_class_name(err)
            while name in seen:
                name += "Error"
            seen.add(name)
            out.append({"name": name, "code": err.value, "group": err.group,
                        "message": err.message, "status": err.http_status_code,
                        "description": _doc(" ".join(err.description.split()))})
    return out


def _environment() -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = [
        jinja2.FileSystemLoader(d) for d in os.environ.get("SPECGEN_TEMPLATE_DIRS", "").split(os.pathsep) if d
    ]
    loaders.append(jinja2.FileSystemLoader(str(TEMPLATES)))
    env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
                             autoescape=False)
    env.filters["pyrepr"] = repr
    env.filters["wrap"] = _wrap
    env.filters["hang"] = _hang
    return env


def _wrap(text: str, width: int = 92, indent: int = 8) -> str:
    import textwrap

    pad = " " * indent
    paras = [p for p in text.split("\n\n")]
    out = []
    for p in paras:
        out.append(textwrap.fill(" ".join(p.split()), width=width, initial_indent=pad,
                                 subsequent_indent=pad, break_long_words=False,
                                 break_on_hyphens=False))
    return "\n\n".join(out)


def _hang(text: str, width: int = 96, indent: int = 12) -> str:
    """One docstring entry: first line at ``indent``, continuation lines 4 deeper."""
    import textwrap

    return textwrap.fill(" ".join(text.split()), width=width, initial_indent=" " * indent,
                         subsequent_indent=" " * (indent + 4), break_long_words=False,
                         break_on_hyphens=False)


FILES = ("__init__.py", "errors.py", "results.py", "api.py")


def generate(dset: DescriptorSet) -> Iterator[tuple[str, str]]:
    """``(file name, Python source)`` of each module of the client package."""
    from specgen.build import GENERATED_NOTE

    env = _environment()
    context = {"set": dset, "ops": operations(dset), "errors": errors(dset),
               "note": GENERATED_NOTE}
    for fname in FILES:
        yield fname, env.get_template(f"client/{fname}.jinja").render(**context)
