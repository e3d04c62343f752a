"""specgen.naming: the one home of identifier and anchor names for every compiler."""

from __future__ import annotations

import doctest
import importlib
import re
from pathlib import Path

import pytest

from specgen import naming

SPECGEN = Path(naming.__file__).resolve().parent


@pytest.mark.parametrize("module", ["specgen.naming", "specgen.compilers.filters",
                                    "specgen.compilers.openapi.regex", "specgen.compilers.openapi.schema30"])
def test_examples(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize("text, plain, split", [
    ("Initiate Monolithic Blob Upload", "initiate_monolithic_blob_upload", "initiate_monolithic_blob_upload"),
    ("Docker-Content-Digest", "docker_content_digest", "docker_content_digest"),
    ("artifactType", "artifacttype", "artifact_type"),
    ("GET blob-upload", "get_blob_upload", "get_blob_upload"),
    ("--", "", ""),
])
def test_snake(text, plain, split):
    assert naming.snake(text) == plain
    assert naming.snake(text, split_camel=True) == split


@pytest.mark.parametrize("text, expected", [
    ("get blob-upload", "getBlobUpload"), ("GET blob-upload", "getBlobUpload"),
    ("Fetch Blob", "fetchBlob"), ("a", "a"), ("URLs list", "uRLsList"), ("X", "x"), ("", ""),
    ("ImageManifest v2", "imageManifestV2"),
])
def test_camel_is_openapis_lower_camel_case(text, expected):
    assert naming.camel(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("from", "from_"), ("class", "class_"), ("Content-Length", "content_length"), ("2xx", "_2xx"),
    ("", "_"), ("?", "_"),
])
def test_identifier(text, expected):
    assert naming.identifier(text) == expected


def test_identifier_avoids_what_it_is_told_to():
    assert naming.identifier("from", avoid=frozenset()) == "from"
    assert naming.identifier("headers", avoid=naming.KEYWORDS | {"headers"}) == "headers_"
    assert naming.identifier("range", avoid=naming.BUILTINS) == "range_"


def test_class_name():
    assert naming.class_name("fetch_blob result") == "FetchBlobResult"
    assert naming.class_name("blob unknown") == "BlobUnknown"
    assert naming.class_name("2fa required") == "_2faRequired"


def test_slug():
    assert naming.slug("Blob Upload!") == "blob-upload"
    assert naming.slug("--a__b--") == "a-b"
    assert naming.slug(404) == "404"


def test_no_second_naming_helper_in_specgen():
    """snake/camel/slug are defined in specgen/naming.py only."""
    pattern = re.compile(r"^\s*def _?(snake|camel|pascal|slug)\w*\(", re.M)
    offenders = [str(p.relative_to(SPECGEN)) for p in SPECGEN.rglob("*.py")
                 if p.name != "naming.py" and pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
