"""Import point for the generated code committed under ``build/``.

``import specgen._generated.<set>.<kind>`` loads ``build/<set>/<kind>/``: from the copy shipped
inside the wheel (``specgen/_build``) when installed, else from the source tree's ``build/``.
"""

from pathlib import Path

_here = Path(__file__).resolve().parent
_shipped = _here.parent / "_build"
_source_tree = _here.parents[2] / "build"

__path__ = [str(_shipped if _shipped.is_dir() else _source_tree)]
