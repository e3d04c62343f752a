"""``specgen serve``'s configuration: the settings table (``settings``), the JSON Schema derived
from it (``schema``), the YAML file with line numbers and the layering defaults < file <
``SPECGEN_*`` variables < flags (``loader``), the generated flags (``flags``) and the generated
reference ``docs/configuration.md`` (``docs``)."""

from specgen.config.loader import Resolved, load_file, resolve, validate
from specgen.config.schema import schema
from specgen.config.settings import BY_KEY, SETTINGS, Setting, defaults

__all__ = ["BY_KEY", "SETTINGS", "Resolved", "Setting", "defaults", "load_file", "resolve", "schema", "validate"]
