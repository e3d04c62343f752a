"""Artifacts of ``specgen build``. Each module here defines ``outputs(dset)`` yielding
``(relative path, bytes)`` pairs written under ``build/<set>/``; a new compiler plugs in by adding
a module."""
