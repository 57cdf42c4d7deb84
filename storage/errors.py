"""The store's one error: every driver error is translated into it at the storage boundary."""

from bot.errors import StoreError

__all__ = ["StoreError"]
