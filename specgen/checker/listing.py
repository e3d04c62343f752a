"""``specgen check --list``: the groups and the checks each runs, read from the scenarios' source
(the names given to ``ctx.check``, in the scenario and in the module's helpers it calls), so the
listing never drifts from what runs. A name built at run time shows its placeholders
(``PUT by tag {tag}``)."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Iterable

from specgen.checker.scenarios import SCENARIOS, Scenario


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return (
            "".join(str(v.value) if isinstance(v, ast.Constant) else "{" + ast.unparse(v) + "}" for v in node.values)
            .replace("{{", "{")
            .replace("}}", "}")
        )
    return None


def check_names(sc: Scenario) -> list[str]:
    """The names the scenario gives its checks, in source order (helpers of its module followed)."""
    module = inspect.getmodule(sc.run)
    tree = ast.parse(textwrap.dedent(inspect.getsource(module))) if module else None
    functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)} if tree else {}
    names: list[str] = []

    def visit(func: ast.FunctionDef, seen: set[str]) -> None:
        for node in ast.walk(func):
            if not isinstance(node, ast.Call):
                continue
            target = node.func
            if isinstance(target, ast.Attribute) and target.attr == "check" and node.args:
                name = _name(node.args[0])
                if name and name not in names:
                    names.append(name)
            elif isinstance(target, ast.Name) and target.id in functions and target.id not in seen:
                visit(functions[target.id], seen | {target.id})

    entry = functions.get(sc.run.__name__)
    if entry is not None:
        visit(entry, {entry.name})
    return names


def list_text(scenarios: Iterable[Scenario] = SCENARIOS) -> str:
    out = []
    for sc in scenarios:
        mode = {"push": "", "pull": "  [--read-only runs only]", "both": "  [also with --read-only]"}[sc.mode]
        out.append(f"{sc.name}: {sc.description}{mode}")
        out += [f"    {name}" for name in check_names(sc)]
    out.append("cleanup: remove what this run pushed (not in --read-only runs)")
    out.append("    delete pushed manifests, blobs and open uploads")
    return "\n".join(out)
