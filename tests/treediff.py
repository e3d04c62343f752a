"""A field-by-field diff of two JSON values that names the path of every difference."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def json_diff(a: Any, b: Any, path: str = "$") -> Iterator[str]:
    """Yield ``path: a != b`` lines; list items are compared by index, dict keys by name.

    >>> list(json_diff({"x": [1, 2]}, {"x": [1, 3], "y": 0}))
    ['$.x[1]: 2 != 3', '$.y: missing on the left']
    """
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(a.keys() | b.keys()):
            if key not in b:
                yield f"{path}.{key}: missing on the right"
            elif key not in a:
                yield f"{path}.{key}: missing on the left"
            else:
                yield from json_diff(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from json_diff(x, y, f"{path}[{i}]")
        if len(a) != len(b):
            yield f"{path}: length {len(a)} != {len(b)}"
    elif a != b or type(a) is not type(b):
        yield f"{path}: {a!r} != {b!r}"
