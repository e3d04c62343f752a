"""The filesystem storage driver (registered as ``"filesystem"``; parameter: ``root``)."""

from specgen.registry.storage.factory import register
from specgen.registry.storage.filesystem.driver import FilesystemDriver

register("filesystem", FilesystemDriver)

__all__ = ["FilesystemDriver"]
