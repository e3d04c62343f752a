"""The reference registry: a hand-written backend behind the generated server stub.

``storage`` is where data lives: the driver interface, drivers by name, and the filesystem driver
(content-addressed blobs, per-repository links, upload sessions any worker process can continue);
``handlers`` has one module per entity (base, blobs, uploads, manifests, tags, catalog, referrers),
composed into ``handlers.Registry``, which implements the generated handler interface;
``manifests`` validates manifests; ``app`` builds the ASGI app for a set and a storage driver.
"""
