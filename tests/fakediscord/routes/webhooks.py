"""REST routes for an interaction's webhook: the @original answer and followup messages."""

from __future__ import annotations

import copy
from typing import Any

from ..errors import DiscordHTTPError
from ..records import EPHEMERAL, InteractionHandle, Reply
from ..state import FakeState
from ..validation import validate_message
from .base import Ctx, Resp, RouteSpec
from .interactions import THINKING, find_handle


class WebhookRoutes:
    def __init__(self, state: FakeState) -> None:
        self.state = state

    def routes(self) -> list[RouteSpec]:
        # no bot auth: the interaction token is the credential
        original = r"/webhooks/{a}/{t}/messages/@original"
        followup = r"/webhooks/{a}/{t}/messages/{m}"
        return [
            ("GET", original, self.h_get_original, False, "webhook"),
            ("PATCH", original, self.h_edit_original, False, "webhook"),
            ("DELETE", original, self.h_delete_original, False, "webhook"),
            ("GET", followup, self.h_get_followup, False, "webhook"),
            ("PATCH", followup, self.h_edit_followup, False, "webhook"),
            ("DELETE", followup, self.h_delete_followup, False, "webhook"),
            ("POST", r"/webhooks/{a}/{t}", self.h_followup, False, "webhook"),
        ]

    def _validate(self, body: dict[str, Any], ctx: Ctx, *, partial: bool = False) -> None:
        validate_message(body, ctx.files, self.state.attachment_size_limit, partial=partial)

    @staticmethod
    def _original(handle: InteractionHandle) -> dict[str, Any]:
        if handle.original is None or handle.original_deleted:
            raise DiscordHTTPError(404, 10008, "Unknown Message")
        return handle.original

    def _followup_message(self, handle: InteractionHandle, message_id: str) -> dict[str, Any]:
        for reply in handle.followups:
            if reply.message and reply.message["id"] == message_id:
                return self.state.message_store.index[int(message_id)]
        if handle.original is not None and handle.original["id"] == message_id:
            return handle.original
        raise DiscordHTTPError(404, 10008, "Unknown Message")

    def _edited(self, handle: InteractionHandle, reply: Reply) -> None:
        handle.edits.append(reply)
        handle.replies.append(reply)
        self.state.cond.notify_all()

    # --- @original ---------------------------------------------------------------------------
    async def h_get_original(self, ctx: Ctx, app_id: str, token: str) -> Resp:
        handle = find_handle(self.state, token, app_id)
        with self.state.lock:
            return Resp(200, copy.deepcopy(self._original(handle)))

    async def h_edit_original(self, ctx: Ctx, app_id: str, token: str) -> Resp:
        handle = find_handle(self.state, token, app_id)
        body = ctx.payload or {}
        with self.state.lock:
            self._original(handle)
        self._validate(body, ctx, partial=True)
        with self.state.lock:
            message = handle.original
            assert message is not None
            self.state.message_store.apply_edit(message, body, ctx.files)
            message["flags"] = message.get("flags", 0) & ~THINKING
            ephemeral = bool(message.get("flags", 0) & EPHEMERAL)
            reply = Reply(
                "edit", copy.deepcopy(body), list(ctx.files), ephemeral, copy.deepcopy(message)
            )
            self._edited(handle, reply)
            return Resp(200, copy.deepcopy(message))

    async def h_delete_original(self, ctx: Ctx, app_id: str, token: str) -> Resp:
        handle = find_handle(self.state, token, app_id)
        with self.state.lock:
            self._original(handle)
            handle.original_deleted = True
            self.state.cond.notify_all()
        return Resp(204)

    # --- followups ---------------------------------------------------------------------------
    async def h_followup(self, ctx: Ctx, app_id: str, token: str) -> Resp:
        handle = find_handle(self.state, token, app_id)
        body = ctx.payload or {}
        with self.state.lock:
            if handle.callback is None:
                raise DiscordHTTPError(404, 10015, "Unknown Webhook")
        self._validate(body, ctx)
        with self.state.lock:
            flags = int(body.get("flags") or 0)
            consumes_defer = (
                handle.callback_type == 5
                and not handle.edits
                and not handle.followups
                and handle.original is not None
            )
            if consumes_defer:
                # the first followup after a defer replaces the "thinking" message and keeps
                # the defer's visibility, whatever flags it sends
                ephemeral = handle.deferred_ephemeral
            else:
                ephemeral = bool(flags & EPHEMERAL)
            message = self.state.message_store.create(
                int(handle.payload["channel_id"]),
                body,
                ctx.files,
                msg_type=20 if consumes_defer else 0,
                flags=(flags & ~EPHEMERAL) | (EPHEMERAL if ephemeral else 0),
                webhook=True,
            )
            if consumes_defer:
                handle.original = message
            reply = Reply(
                "followup", copy.deepcopy(body), list(ctx.files), ephemeral, copy.deepcopy(message)
            )
            handle.followups.append(reply)
            handle.replies.append(reply)
            self.state.cond.notify_all()
        if ctx.query.get("wait", "").lower() in ("1", "true"):
            return Resp(200, copy.deepcopy(message))
        return Resp(204)

    async def h_get_followup(self, ctx: Ctx, app_id: str, token: str, message_id: str) -> Resp:
        handle = find_handle(self.state, token, app_id)
        with self.state.lock:
            return Resp(200, copy.deepcopy(self._followup_message(handle, message_id)))

    async def h_edit_followup(self, ctx: Ctx, app_id: str, token: str, message_id: str) -> Resp:
        handle = find_handle(self.state, token, app_id)
        body = ctx.payload or {}
        self._validate(body, ctx, partial=True)
        with self.state.lock:
            message = self._followup_message(handle, message_id)
            self.state.message_store.apply_edit(message, body, ctx.files)
            reply = Reply(
                "edit",
                copy.deepcopy(body),
                list(ctx.files),
                bool(message.get("flags", 0) & EPHEMERAL),
                copy.deepcopy(message),
            )
            self._edited(handle, reply)
            return Resp(200, copy.deepcopy(message))

    async def h_delete_followup(self, ctx: Ctx, app_id: str, token: str, message_id: str) -> Resp:
        handle = find_handle(self.state, token, app_id)
        with self.state.lock:
            self._followup_message(handle, message_id)
            self.state.message_store.index.pop(int(message_id), None)
        return Resp(204)
