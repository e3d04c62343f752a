"""One module per ``specgen`` subcommand, each with ``register(subparsers)``."""
