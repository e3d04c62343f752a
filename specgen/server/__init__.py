"""Hand-written server support shared by every generated stub (``runtime``) and the production
ASGI server wiring (``uvicorn_zerocopy``)."""
