"""The one root of every error Strikewatch raises on purpose; each layer subclasses it.

Each boundary translates what it meets into its own subclass (the store wraps driver errors in
StoreError, the NHS source wraps HTTP and workbook trouble), so callers above a boundary catch
StrikewatchError subclasses, never a driver's or a library's exceptions.
"""


class StrikewatchError(Exception):
    """Something went wrong that we can explain in one line: the message says what and why."""


class CommandError(StrikewatchError):
    """The command could not do its work; the message says why in one line."""


class RunError(CommandError):
    """Why the bot could not start."""


class StoreError(StrikewatchError):
    """The database cannot be opened, read or written; the message says which and why.

    Raised by storage/ (which translates every driver error into it); declared here so that every
    layer can tell "the store is not answering" from other errors without importing storage."""
