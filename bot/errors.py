"""Errors that end a command with one line on stderr and a non-zero exit, never a traceback."""


class CommandError(Exception):
    """The command could not do its work; the message says why in one line."""


class RunError(CommandError):
    """Why the bot could not start."""
