"""Discord-shaped REST errors: handlers raise them and the REST pipeline answers them as JSON."""

from __future__ import annotations

from typing import Any


class DiscordHTTPError(Exception):
    """Raised inside handlers; becomes a Discord-shaped JSON error response."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def invalid_form(errors: dict[str, Any]) -> DiscordHTTPError:
    """400 Invalid Form Body (50035) with Discord's nested ``errors`` tree."""
    return DiscordHTTPError(400, 50035, "Invalid Form Body", errors)


def field_error(code: str, message: str) -> dict[str, Any]:
    """One leaf of an Invalid Form Body ``errors`` tree."""
    return {"_errors": [{"code": code, "message": message}]}
