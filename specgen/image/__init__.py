"""Image-level operations on top of ``RegistryClient``: push, pull and copy a whole image
(manifest or index, configs, layers, optionally its referrers) between registries and OCI image
layout directories, blobs moved concurrently, present ones skipped, progress reported.

    from specgen.client import RegistryClient
    from specgen.image import LayoutStore, RegistryStore, copy_image

    with RegistryClient("http://127.0.0.1:5000") as reg:
        copy_image(LayoutStore("./img"), "v1", RegistryStore(reg, "team/app"), "v1")
"""

from specgen.image.copy import CopyResult, copy_image
from specgen.image.graph import Descriptor
from specgen.image.layout import LayoutError, OCILayout
from specgen.image.progress import ImageProgress
from specgen.image.stores import LayoutStore, RegistryStore, Store

__all__ = [
    "CopyResult",
    "Descriptor",
    "ImageProgress",
    "LayoutError",
    "LayoutStore",
    "OCILayout",
    "RegistryStore",
    "Store",
    "copy_image",
]
