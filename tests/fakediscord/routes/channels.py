"""REST routes for channels and their messages, with Discord's permission and deletion checks."""

from __future__ import annotations

import asyncio
import copy
from typing import TYPE_CHECKING, Any

from .. import fixtures as fx
from ..errors import DiscordHTTPError
from ..records import MessageRecord
from ..state import FakeState
from ..validation import validate_message
from .base import Ctx, Resp, RouteSpec

if TYPE_CHECKING:
    from ..gateway import Gateway, GatewaySession

# intents (for echoing the bot's own messages as MESSAGE_CREATE)
GUILD_MESSAGES_INTENT = 1 << 9
DIRECT_MESSAGES_INTENT = 1 << 12


class ChannelRoutes:
    def __init__(self, state: FakeState, gateway: Gateway) -> None:
        self.state = state
        self.gateway = gateway
        self._tasks: set[asyncio.Task[Any]] = set()  # echoes in flight (kept from the GC)

    def routes(self) -> list[RouteSpec]:
        channel = r"/channels/{ch}"
        message = r"/channels/{ch}/messages/{m}"
        return [
            ("GET", channel, self.h_get_channel, True, "channel_id"),
            ("POST", channel + "/typing", self.h_typing, True, "channel_id"),
            ("GET", channel + "/messages", self.h_list_messages, True, "channel_id"),
            ("POST", channel + "/messages", self.h_create_message, True, "channel_id"),
            ("GET", message, self.h_get_message, True, "channel_id"),
            ("PATCH", message, self.h_edit_message, True, "channel_id"),
            ("DELETE", message, self.h_delete_message, True, "channel_id"),
        ]

    # --- checks (under the lock) ---------------------------------------------------------------
    def _live_channel(self, channel_id: str) -> tuple[int | None, dict[str, Any]]:
        cid = int(channel_id)
        world = self.state.world
        found = world.channels.get(cid)
        if found is None or cid in world.deleted_channels:
            raise DiscordHTTPError(404, 10003, "Unknown Channel")
        return found

    def _check_bot_can(self, gid: int | None, channel: dict[str, Any], needed: int) -> None:
        world = self.state.world
        if gid is None:
            recipient = int(channel["recipients"][0]["id"])
            if recipient in world.blocked_dm_users:
                raise DiscordHTTPError(403, 50007, "Cannot send messages to this user")
            return
        perms = world.bot_permissions(world.guilds[gid], channel)
        if not perms & fx.VIEW_CHANNEL:
            raise DiscordHTTPError(403, 50001, "Missing Access")
        if needed & ~perms:
            raise DiscordHTTPError(403, 50013, "Missing Permissions")

    def _channel_message(self, channel_id: str, message_id: str) -> dict[str, Any]:
        self._live_channel(channel_id)
        message = self.state.message_store.index.get(int(message_id))
        if message is None or message["channel_id"] != str(channel_id):
            raise DiscordHTTPError(404, 10008, "Unknown Message")
        return message

    # --- channels ----------------------------------------------------------------------------
    async def h_get_channel(self, ctx: Ctx, channel_id: str) -> Resp:
        with self.state.lock:
            gid, channel = self._live_channel(channel_id)
            if gid is not None:
                self._check_bot_can(gid, channel, fx.VIEW_CHANNEL)
            return Resp(200, self.state.world.channel_obj(int(channel_id)))

    async def h_typing(self, ctx: Ctx, channel_id: str) -> Resp:
        with self.state.lock:
            gid, channel = self._live_channel(channel_id)
            self._check_bot_can(gid, channel, fx.SEND_MESSAGES)
        return Resp(204)

    # --- messages ----------------------------------------------------------------------------
    async def h_create_message(self, ctx: Ctx, channel_id: str) -> Resp:
        state = self.state
        body = ctx.payload or {}
        with state.lock:
            gid, channel = self._live_channel(channel_id)
            needed = fx.SEND_MESSAGES | (fx.ATTACH_FILES if ctx.files else 0)
            self._check_bot_can(gid, channel, needed)
        validate_message(body, ctx.files, state.attachment_size_limit)
        with state.lock:
            cid = int(channel_id)
            store = state.message_store
            if body.get("enforce_nonce") and body.get("nonce") is not None:
                # Discord: the same nonce from the same author returns the earlier message, not a new one.
                earlier = store.earlier_with_nonce(cid, body["nonce"])
                if earlier is not None:
                    store.nonce_hits += 1
                    return Resp(200, copy.deepcopy(earlier))
            message = store.create(cid, body, ctx.files)
            if gid is not None and body.get("embeds"):
                perms = state.world.bot_permissions(state.world.guilds[gid], channel)
                if not perms & fx.EMBED_LINKS:
                    message["embeds"] = []  # Discord drops embeds without Embed Links
            channel["last_message_id"] = message["id"]
            record = MessageRecord(
                id=int(message["id"]),
                channel_id=cid,
                guild_id=gid,
                payload=copy.deepcopy(body),
                files=list(ctx.files),
                message=copy.deepcopy(message),
            )
            store.record(record)
            state.cond.notify_all()
            session = self.gateway.session_for(gid)
        if state.echo_messages and session is not None:
            self._echo(message, gid, session)
        return Resp(200, copy.deepcopy(message))

    def _echo(self, message: dict[str, Any], gid: int | None, session: GatewaySession) -> None:
        """Send the bot its own message as MESSAGE_CREATE, if it asked for such events."""
        wanted = GUILD_MESSAGES_INTENT if gid is not None else DIRECT_MESSAGES_INTENT
        if not session.intents & wanted:
            return
        event = copy.deepcopy(message)
        if gid is not None:
            event["guild_id"] = str(gid)
            member = copy.deepcopy(self.state.world.bot_member(self.state.world.guilds[gid]))
            member.pop("user", None)
            event["member"] = member
        task = asyncio.get_running_loop().create_task(
            self.gateway.dispatch("MESSAGE_CREATE", event, session)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def h_list_messages(self, ctx: Ctx, channel_id: str) -> Resp:
        with self.state.lock:
            self._live_channel(channel_id)
            limit = int(ctx.query.get("limit", 50))
            msgs = self.state.message_store.live_in_channel(int(channel_id))
            return Resp(200, copy.deepcopy(list(reversed(msgs))[:limit]))

    async def h_get_message(self, ctx: Ctx, channel_id: str, message_id: str) -> Resp:
        with self.state.lock:
            return Resp(200, copy.deepcopy(self._channel_message(channel_id, message_id)))

    async def h_edit_message(self, ctx: Ctx, channel_id: str, message_id: str) -> Resp:
        body = ctx.payload or {}
        validate_message(body, ctx.files, self.state.attachment_size_limit, partial=True)
        with self.state.lock:
            message = self._channel_message(channel_id, message_id)
            self.state.message_store.apply_edit(message, body, ctx.files)
            self.state.cond.notify_all()
            return Resp(200, copy.deepcopy(message))

    async def h_delete_message(self, ctx: Ctx, channel_id: str, message_id: str) -> Resp:
        with self.state.lock:
            self._channel_message(channel_id, message_id)
            self.state.message_store.index.pop(int(message_id), None)
        return Resp(204)
