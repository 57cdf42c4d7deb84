"""REST route for the interaction callback: the bot's first answer to an INTERACTION_CREATE."""

from __future__ import annotations

import copy
import time
from typing import Any

from ..errors import DiscordHTTPError, field_error, invalid_form
from ..records import EPHEMERAL, InteractionHandle, Reply, SentFile
from ..state import FakeState
from ..validation import validate_choices, validate_message
from .base import Ctx, Resp, RouteSpec

CALLBACK_ROUTE = "POST /interactions/{interaction_id}/{token}/callback"

# interaction type -> the callback types Discord accepts for it
ALLOWED_CALLBACKS = {2: (4, 5, 9), 3: (4, 5, 6, 7, 9), 4: (8,), 5: (4, 5, 6, 7)}

THINKING = 1 << 7  # message flag of a deferred answer ("Bot is thinking...")


def find_handle(
    state: FakeState, token: str, app_id: str | None = None, interaction_id: str | None = None
) -> InteractionHandle:
    """The interaction a callback or webhook path names, or the 404 Discord answers."""
    if app_id is not None and int(app_id) != state.identity.application_id:
        raise DiscordHTTPError(404, 10015, "Unknown Webhook")
    with state.lock:
        handle = state.handles.by_token.get(token)
    if handle is None or (interaction_id is not None and handle.id != int(interaction_id)):
        if interaction_id is not None:
            raise DiscordHTTPError(404, 10062, "Unknown interaction")
        raise DiscordHTTPError(404, 10015, "Unknown Webhook")
    return handle


class CallbackRoutes:
    def __init__(self, state: FakeState) -> None:
        self.state = state

    def routes(self) -> list[RouteSpec]:
        # no bot auth: the interaction token is the credential
        return [("POST", r"/interactions/{i}/{t}/callback", self.h_callback, False, "webhook")]

    async def h_callback(self, ctx: Ctx, interaction_id: str, token: str) -> Resp:
        state = self.state
        handle = find_handle(state, token, interaction_id=interaction_id)
        body = ctx.payload or {}
        now = time.monotonic()
        if (
            state.interaction_timeout is not None
            and now - handle.created > state.interaction_timeout
        ):
            raise DiscordHTTPError(404, 10062, "Unknown interaction")
        ctype = body.get("type")
        data = body.get("data") or {}
        allowed = ALLOWED_CALLBACKS.get(handle.type, ())
        if ctype not in allowed:
            raise invalid_form(
                {"type": field_error("BASE_TYPE_CHOICES", f"Value must be one of {allowed}.")}
            )
        with state.lock:
            if handle.callback is not None:
                raise DiscordHTTPError(400, 40060, "Interaction has already been acknowledged.")
        flags = int(data.get("flags") or 0)
        ephemeral = bool(flags & EPHEMERAL)
        if ctype == 4:
            validate_message(data, ctx.files, state.attachment_size_limit)
        if ctype == 8:
            validate_choices(data.get("choices"))
        with state.lock:
            message = self._answer_message(handle, ctype, data, ctx.files, flags)
            handle.callback = {"type": ctype, "data": copy.deepcopy(data)}
            handle.callback_time = now
            handle.callback_count += 1
            if message is not None:
                handle.original = message
            handle.replies.append(
                Reply(
                    "callback",
                    copy.deepcopy(body),
                    list(ctx.files),
                    ephemeral,
                    copy.deepcopy(message),
                )
            )
            state.cond.notify_all()
        if ctx.query.get("with_response", "").lower() not in ("1", "true"):
            return Resp(204)
        return Resp(200, _callback_result(handle, ctype, message, ephemeral))

    def _answer_message(
        self,
        handle: InteractionHandle,
        ctype: int,
        data: dict[str, Any],
        files: list[SentFile],
        flags: int,
    ) -> dict[str, Any] | None:
        """The @original message a callback creates: the answer (4), "thinking" (5), or none."""
        store = self.state.message_store
        channel_id = int(handle.payload["channel_id"])
        gid = handle.payload.get("guild_id")
        if ctype == 4:
            return store.create(
                channel_id,
                data,
                files,
                msg_type=20,
                flags=flags & EPHEMERAL,
                webhook=True,
                guild_id=gid and int(gid),
            )
        if ctype == 5:
            message = store.create(
                channel_id,
                {"content": ""},
                [],
                msg_type=20,
                flags=(flags & EPHEMERAL) | THINKING,
                webhook=True,
                guild_id=gid and int(gid),
            )
            handle.deferred_ephemeral = bool(flags & EPHEMERAL)
            return message
        return None


def _callback_result(
    handle: InteractionHandle, ctype: int, message: dict[str, Any] | None, ephemeral: bool
) -> dict[str, Any]:
    """The body of a callback POSTed with ``?with_response=true``."""
    result: dict[str, Any] = {
        "interaction": {
            "id": str(handle.id),
            "type": handle.type,
            "response_message_id": message["id"] if message else None,
            "response_message_loading": ctype == 5,
            "response_message_ephemeral": ephemeral,
        }
    }
    if message is not None:
        result["resource"] = {"type": ctype, "message": copy.deepcopy(message)}
    elif ctype in (6, 7, 9):
        result["resource"] = {"type": ctype}
    return result
