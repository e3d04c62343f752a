"""Code generators: a DescriptorSet plus Jinja templates under ``specgen/templates/<kind>/`` give the
Python source of a stub (``codegen.server`` for the ASGI server stub)."""
