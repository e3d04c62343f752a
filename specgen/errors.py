"""Errors a user can cause; the CLI prints their message and exits non-zero, never a traceback."""


class UserError(Exception):
    """Bad input from the user (a bad set name, a bad file, an unreachable URL...)."""

    exit_code = 2
