"""The reference registry: a hand-written filesystem backend behind the generated server stub.

``storage`` keeps blobs content-addressed and links them per repository; ``uploads`` keeps upload
sessions (data, offset and a serialised hash state) on disk so any worker process can continue
them; ``manifests`` validates manifests; ``handlers.Registry`` implements the generated handler
interface; ``app`` builds the ASGI app for a set and a root.
"""
