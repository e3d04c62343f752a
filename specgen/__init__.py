"""specgen: an executable specification of the Docker Registry HTTP API V2 and its compilers."""

__version__ = "0.1.0"
