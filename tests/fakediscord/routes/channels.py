"""REST routes for channels and their messages, with Discord's permission and deletion checks;
threads (archived ones reopen when posted in, unless locked) and publishing (crossposting) in
announcement channels, with Discord's answers and its limit of 10 publishes an hour per channel."""

from __future__ import annotations

import asyncio
import copy
import time
from typing import TYPE_CHECKING, Any

from .. import fixtures as fx
from ..errors import DiscordHTTPError
from ..records import Crosspost, MessageRecord
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
            ("POST", message + "/crosspost", self.h_crosspost, True, "channel_id"),
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
        if channel["type"] in fx.THREAD_TYPES and needed & fx.SEND_MESSAGES:
            needed = (needed & ~fx.SEND_MESSAGES) | fx.SEND_MESSAGES_IN_THREADS
        if needed & ~perms:
            raise DiscordHTTPError(403, 50013, "Missing Permissions")

    def _reopen_if_archived(self, gid: int | None, channel: dict[str, Any]) -> bool:
        """Posting in an archived thread unarchives it, unless it is locked and the bot may not
        manage threads (400 50083). True when it was reopened (Discord sends THREAD_UPDATE)."""
        meta = channel.get("thread_metadata")
        if not meta or not meta.get("archived"):
            return False
        world = self.state.world
        assert gid is not None
        if meta.get("locked") and not world.bot_permissions(world.guilds[gid], channel) & (
            fx.MANAGE_THREADS
        ):
            raise DiscordHTTPError(400, 50083, "Thread is archived")
        meta["archived"] = False
        meta["archive_timestamp"] = fx.iso_now()
        return True

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
        reopened = None
        with state.lock:
            cid = int(channel_id)
            store = state.message_store
            if body.get("enforce_nonce") and body.get("nonce") is not None:
                # Discord: the same nonce from the same author returns the earlier message, not a new one.
                earlier = store.earlier_with_nonce(cid, body["nonce"])
                if earlier is not None:
                    store.nonce_hits += 1
                    return Resp(200, copy.deepcopy(earlier))
            if self._reopen_if_archived(gid, channel):
                reopened = state.world.channel_obj(cid)
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
        if reopened is not None and session is not None:
            self._dispatch("THREAD_UPDATE", reopened, session)
        if state.echo_messages and session is not None:
            self._echo(message, gid, session)
        return Resp(200, copy.deepcopy(message))

    # --- publishing --------------------------------------------------------------------------
    async def h_crosspost(self, ctx: Ctx, channel_id: str, message_id: str) -> Resp:
        """Publish a message of an announcement channel to the channels following it.

        Discord: only in an announcement channel (400 50024); the bot's own message needs Send
        Messages, anyone else's Manage Messages too (403 50013); once (400 40033); at most 10 an
        hour per channel (429, retry after the oldest leaves the hour)."""
        state = self.state
        with state.lock:
            gid, channel = self._live_channel(channel_id)
            message = self._channel_message(channel_id, message_id)
            if channel["type"] != fx.GUILD_ANNOUNCEMENT:
                raise DiscordHTTPError(400, 50024, "Cannot execute action on this channel type")
            own = message["author"]["id"] == state.identity.bot_user["id"]
            self._check_bot_can(gid, channel, fx.SEND_MESSAGES | (0 if own else fx.MANAGE_MESSAGES))
            if message.get("flags", 0) & fx.CROSSPOSTED:
                raise DiscordHTTPError(400, 40033, "This message has already been crossposted.")
            store, now = state.message_store, time.monotonic()
            limit, window = state.crosspost_limit
            recent = [c.time for c in store.crossposts if c.channel_id == int(channel_id)]
            recent = [t for t in recent if now - t < window]
            if len(recent) >= limit:
                retry_after = window - (now - min(recent))
                state.request_log.rate_limited.append(
                    {
                        "path": ctx.record.path,
                        "retry_after": retry_after,
                        "global": False,
                        "time": now,
                    }
                )
                return Resp(
                    429,
                    {
                        "message": "You are being rate limited.",
                        "retry_after": round(retry_after, 3),
                        "global": False,
                    },
                    {
                        "Retry-After": str(max(1, int(retry_after + 0.999))),
                        "X-RateLimit-Scope": "shared",
                        "Via": "1.1 google",
                    },
                )
            message["flags"] = message.get("flags", 0) | fx.CROSSPOSTED
            store.crossposts.append(Crosspost(int(channel_id), int(message_id), now))
            state.cond.notify_all()
            return Resp(200, copy.deepcopy(message))

    def _dispatch(self, event: str, data: dict[str, Any], session: GatewaySession) -> None:
        task = asyncio.get_running_loop().create_task(self.gateway.dispatch(event, data, session))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

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
