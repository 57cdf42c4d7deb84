"""What the fake records: requests, uploaded files, channel messages and interaction handles."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .bridge import poll_until

if TYPE_CHECKING:
    from .bridge import Bridge

__all__ = [
    "EPHEMERAL",
    "Crosspost",
    "PNG_MAGIC",
    "InteractionHandle",
    "MessageRecord",
    "Reply",
    "RequestRecord",
    "SentFile",
    "poll_until",
]

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EPHEMERAL = 1 << 6


@dataclass(frozen=True)
class SentFile:
    """One uploaded file (multipart ``files[n]`` part) with its bytes."""

    field: str
    filename: str
    data: bytes
    content_type: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def is_png(self) -> bool:
        return self.data.startswith(PNG_MAGIC)

    def text(self, encoding: str = "utf-8") -> str:
        return self.data.decode(encoding)


@dataclass
class RequestRecord:
    """One REST request as the fake saw it. ``path`` is relative to ``/api/v10``."""

    method: str
    path: str
    query: dict[str, str]
    json: Any = None
    form: dict[str, Any] | None = None  # {"payload_json": ..., "files": [(field, name, size)]}
    files: list[SentFile] = field(default_factory=list)
    authorized: bool | None = None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    time: float = field(default_factory=time.monotonic)
    api_version: int = 10

    @property
    def payload(self) -> Any:
        """The JSON body, or ``payload_json`` of a multipart body."""
        if self.form is not None:
            return self.form.get("payload_json")
        return self.json


@dataclass
class MessageRecord:
    """A message the bot created with ``POST /channels/{id}/messages``."""

    id: int
    channel_id: int
    guild_id: int | None
    payload: dict[str, Any]
    files: list[SentFile]
    message: dict[str, Any]
    time: float = field(default_factory=time.monotonic)

    @property
    def content(self) -> str | None:
        return self.payload.get("content")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.payload.get("embeds") or [])

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        return self.payload.get("allowed_mentions")

    @property
    def components(self) -> list[dict[str, Any]]:
        return list(self.payload.get("components") or [])


@dataclass(frozen=True)
class Crosspost:
    """A message the bot published in an announcement channel (``POST .../crosspost``)."""

    channel_id: int
    message_id: int
    time: float = field(default_factory=time.monotonic)


@dataclass
class Reply:
    """One answer to an interaction: the callback, an ``@original`` edit or a followup."""

    kind: str  # "callback" | "edit" | "followup"
    payload: dict[str, Any]  # callback: {"type", "data"}; edit/followup: the message body
    files: list[SentFile]
    ephemeral: bool
    message: dict[str, Any] | None = None
    time: float = field(default_factory=time.monotonic)

    @property
    def type(self) -> int | None:
        """Callback type (4, 5, 6, 7, 8, 9) for a callback, else None."""
        return self.payload.get("type") if self.kind == "callback" else None

    @property
    def data(self) -> dict[str, Any]:
        if self.kind == "callback":
            return dict(self.payload.get("data") or {})
        return self.payload

    @property
    def content(self) -> str | None:
        return self.data.get("content")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.data.get("embeds") or [])

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        return self.data.get("allowed_mentions")

    @property
    def components(self) -> list[dict[str, Any]]:
        return list(self.data.get("components") or [])

    @property
    def flags(self) -> int:
        return int(self.data.get("flags") or 0)

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        return self.data.get("choices") if self.type == 8 else None


class InteractionHandle:
    """An INTERACTION_CREATE the fake dispatched, and everything the bot answered to it.

    Sync waits (``wait_*``) block the calling thread; use the ``await_*`` variants from a
    coroutine running on the same loop as an in-process bot.
    """

    def __init__(self, bridge: Bridge, payload: dict[str, Any]) -> None:
        self._bridge = bridge
        self.payload = payload
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.created = time.monotonic()
        self.callback: dict[str, Any] | None = None  # {"type": n, "data": {...}}
        self.callback_time: float | None = None
        self.callback_attempts = 0  # every POST to .../callback, including injected failures
        self.callback_count = 0  # accepted callbacks (Discord accepts exactly one)
        self.original: dict[str, Any] | None = None  # current @original message object
        self.original_deleted = False
        self.edits: list[Reply] = []
        self.followups: list[Reply] = []
        self.replies: list[Reply] = []  # callback, edits and followups in arrival order
        self.errors: list[dict[str, Any]] = []  # Discord errors returned to the bot
        self.deferred_ephemeral = False

    def __repr__(self) -> str:
        return f"<InteractionHandle id={self.id} type={self.type} callback={self.callback_type}>"

    # --- state -------------------------------------------------------------------------------
    @property
    def callback_type(self) -> int | None:
        return None if self.callback is None else self.callback["type"]

    @property
    def callback_latency(self) -> float | None:
        return None if self.callback_time is None else self.callback_time - self.created

    def _first_visible(self) -> Reply | None:
        for reply in self.replies:
            if reply.kind == "callback" and reply.type in (5, 6):
                continue  # a defer is not an answer yet
            return reply
        return None

    @property
    def response(self) -> Reply | None:
        """The first visible answer so far (see ``wait_response``), or None."""
        with self._bridge.lock:
            return self._first_visible()

    def _answered(self) -> bool:
        return self._first_visible() is not None

    # convenience accessors on the first visible answer
    @property
    def content(self) -> str | None:
        reply = self.response
        return None if reply is None else reply.content

    @property
    def embeds(self) -> list[dict[str, Any]]:
        reply = self.response
        return [] if reply is None else reply.embeds

    @property
    def files(self) -> list[SentFile]:
        reply = self.response
        return [] if reply is None else list(reply.files)

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        reply = self.response
        return None if reply is None else reply.allowed_mentions

    @property
    def components(self) -> list[dict[str, Any]]:
        reply = self.response
        return [] if reply is None else reply.components

    @property
    def ephemeral(self) -> bool | None:
        reply = self.response
        return None if reply is None else reply.ephemeral

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        """Autocomplete choices (callback type 8)."""
        with self._bridge.lock:
            if self.callback is None or self.callback["type"] != 8:
                return None
            return list((self.callback.get("data") or {}).get("choices") or [])

    @property
    def all_files(self) -> list[SentFile]:
        with self._bridge.lock:
            return [f for reply in self.replies for f in reply.files]

    # --- waiting -----------------------------------------------------------------------------
    def _describe(self) -> str:
        return (
            f"interaction {self.id} ({self.payload.get('data', {}).get('name')}): "
            f"callback={self.callback!r} attempts={self.callback_attempts} errors={self.errors!r}"
        )

    def wait_callback(self, timeout: float = 5.0) -> dict[str, Any]:
        """Block until the bot's interaction callback was accepted; returns {"type", "data"}."""
        self._bridge.wait(lambda: self.callback is not None, timeout, self._describe)
        assert self.callback is not None
        return self.callback

    async def await_callback(self, timeout: float = 5.0) -> dict[str, Any]:  # noqa: ASYNC109 - mirrors the sync wait_* API
        await self._bridge.wait_async(lambda: self.callback is not None, timeout, self._describe)
        assert self.callback is not None
        return self.callback

    def wait_response(self, timeout: float = 5.0) -> Reply:
        """Block until the first visible answer: callback type 4/7/8/9 data, or after a defer
        (type 5/6) the first ``@original`` edit or followup."""
        self._bridge.wait(self._answered, timeout, self._describe)
        return self.response  # type: ignore[return-value]

    async def await_response(self, timeout: float = 5.0) -> Reply:  # noqa: ASYNC109 - mirrors the sync wait_* API
        await self._bridge.wait_async(self._answered, timeout, self._describe)
        return self.response  # type: ignore[return-value]

    def wait_followups(self, count: int = 1, timeout: float = 5.0) -> list[Reply]:
        self._bridge.wait(lambda: len(self.followups) >= count, timeout, self._describe)
        with self._bridge.lock:
            return list(self.followups)

    async def await_followups(self, count: int = 1, timeout: float = 5.0) -> list[Reply]:  # noqa: ASYNC109 - mirrors the sync wait_* API
        await self._bridge.wait_async(lambda: len(self.followups) >= count, timeout, self._describe)
        with self._bridge.lock:
            return list(self.followups)

    def wait_until(self, predicate: Callable[[InteractionHandle], bool], timeout: float = 5.0):
        self._bridge.wait(lambda: predicate(self), timeout, self._describe)
        return self

    async def await_until(
        self,
        predicate: Callable[[InteractionHandle], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> InteractionHandle:
        await self._bridge.wait_async(lambda: predicate(self), timeout, self._describe)
        return self
