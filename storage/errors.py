"""The store's one error: every driver error is translated into it at the storage boundary."""

from bot.errors import StrikewatchError


class StoreError(StrikewatchError):
    """The database cannot be opened, read or written; the message says which and why."""
