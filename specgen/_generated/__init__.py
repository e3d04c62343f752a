"""Import point for the generated code committed under ``build/``.

``import specgen._generated.<set>.<kind>`` loads ``build/<set>/<kind>/`` (see ``specgen.layout``).
"""

from specgen.layout import BUILD

__path__ = [str(BUILD)]
