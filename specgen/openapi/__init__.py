"""Transitional alias of ``specgen.compilers.openapi``, for callers not yet moved
(tests/test_server_fuzz.py). Import ``specgen.compilers.openapi``; this module goes once none uses it."""

from specgen.compilers.openapi import FORMATS, VERSIONS, compile_openapi, render

__all__ = ["FORMATS", "VERSIONS", "compile_openapi", "render"]
