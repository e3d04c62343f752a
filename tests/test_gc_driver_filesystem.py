"""The garbage collection suite (``gc_driver_suite``) on the filesystem driver."""

from __future__ import annotations

import pytest
from gc_driver_suite import *  # noqa: F403  (the suite's tests run here, on this driver)

from specgen.registry.storage.filesystem import FilesystemDriver


@pytest.fixture
def driver(tmp_path) -> FilesystemDriver:
    return FilesystemDriver(tmp_path / "root")
