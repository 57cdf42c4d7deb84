"""Errors of the domain's own rules (a threshold that cannot be right, a strike that cannot be)."""

from bot.errors import StrikewatchError


class DomainError(StrikewatchError):
    """A value breaks one of the domain's rules; the message says which, in words a member reads."""
