"""The S3 storage driver (registered as ``"s3"``): blobs, manifests, tags, links and upload
sessions in one bucket, shared by any number of nodes. Parameters: ``config``."""

from specgen.registry.storage.factory import register
from specgen.registry.storage.s3.driver import S3Driver

register("s3", S3Driver)

__all__ = ["S3Driver"]
