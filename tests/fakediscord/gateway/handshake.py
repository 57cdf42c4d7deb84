"""What the client asks of the gateway: IDENTIFY (then READY), RESUME (then replay), members."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from ..state.world import guild_create_payload
from .connection import (
    IDENTIFY,
    INVALIDATE_SESSION,
    PRIVILEGED_INTENTS,
    RESUME,
    GatewayConnection,
    GatewaySession,
    redact,
)
from .routing import on_shard

if TYPE_CHECKING:
    from .endpoint import Gateway


class Handshake:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.state = gateway.state

    async def identify(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        state, gateway = self.state, self.gateway
        if conn.session is not None:
            await gateway.close(conn, 4005, "Already authenticated.")
            return
        if data.get("token") != state.identity.token:
            await gateway.close(conn, 4004, "Authentication failed.")
            return
        intents = int(data.get("intents") or 0)
        if intents & PRIVILEGED_INTENTS & ~state.allowed_intents:
            await gateway.close(conn, 4014, "Disallowed intent(s).")
            return
        shard = data.get("shard")
        if shard is not None and (len(shard) != 2 or not 0 <= shard[0] < shard[1]):
            await gateway.close(conn, 4010, "Invalid shard.")
            return
        session = GatewaySession(
            id=secrets.token_hex(16),
            token=data["token"],
            intents=intents,
            shard=shard,
            identify=redact(IDENTIFY, data),
        )
        conn.session = session
        session.conn = conn
        with state.lock:
            gateway.sessions[session.id] = session
            gateway.current = session
            state.gateway_log.identify_count += 1
            state.gateway_log.identifies.append(session.identify)
            guild_ids = [gid for gid in state.world.guilds if on_shard(gid, shard)]
        await gateway.dispatch("READY", self._ready(session, guild_ids, shard), session)
        for gid in guild_ids:
            with state.lock:
                payload = guild_create_payload(state.world.guilds[gid])
            await gateway.dispatch("GUILD_CREATE", payload, session)
        with state.lock:
            session.ready_sent = True
            state.cond.notify_all()

    def _ready(
        self, session: GatewaySession, guild_ids: list[int], shard: list[int] | None
    ) -> dict[str, Any]:
        identity = self.state.identity
        ready = {
            "v": 10,
            "user": identity.bot_user,
            "user_settings": {},
            "guilds": [{"id": str(gid), "unavailable": True} for gid in guild_ids],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.state.address.resume_gateway_url,
            "application": {
                "id": str(identity.application_id),
                "flags": identity.application_flags,
            },
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["london", "rotterdam"],
            "auth": {},
            "_trace": ['["fakediscord-gateway",{"micros":0}]'],
        }
        if shard is not None:
            ready["shard"] = shard
        return ready

    async def resume(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        state, gateway = self.state, self.gateway
        with state.lock:
            state.gateway_log.resumes.append(redact(RESUME, data))
        session = gateway.sessions.get(str(data.get("session_id")))
        if data.get("token") != state.identity.token:
            await gateway.close(conn, 4004, "Authentication failed.")
            return
        seq = data.get("seq")
        if (
            session is None
            or session.invalid
            or (seq is not None and session.events and seq < session.events[0].seq - 1)
        ):
            await conn.send({"op": INVALIDATE_SESSION, "d": False})
            with state.lock:
                state.gateway_log.invalid_session_count += 1
            return
        old = session.conn
        if old is not None and old is not conn:
            session.conn = None
            await old.ws.close(code=4009, message=b"Session resumed elsewhere.")
        conn.session = session
        last = int(seq or 0)
        replayed = 0
        async with conn.lock:
            while True:
                pending = [e for e in session.events if e.seq > last]
                if not pending:
                    break
                for event in pending:
                    await conn.send_locked(session.frame(event))
                    last = event.seq
                    replayed += 1
            # no await between the last check and attaching: nothing can slip through
            resumed = session.next_event("RESUMED", {"_trace": ['["fakediscord-gateway",{}]']})
            session.conn = conn
            gateway.current = session
            await conn.send_locked(session.frame(resumed))
        with state.lock:
            state.gateway_log.resume_count += 1
            state.gateway_log.replayed_count += replayed
            state.cond.notify_all()

    async def members_chunk(self, session: GatewaySession, data: dict[str, Any]) -> None:
        """Answer REQUEST_GUILD_MEMBERS with one GUILD_MEMBERS_CHUNK."""
        gid = int(data.get("guild_id") or 0)
        guild = self.state.world.guild(gid)
        members = list(guild["members"]) if guild else []
        user_ids = data.get("user_ids")
        if user_ids:
            wanted = {str(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])}
            members = [m for m in members if m["user"]["id"] in wanted]
        query = data.get("query") or ""
        if query:
            members = [m for m in members if m["user"]["username"].startswith(query)]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(gid),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        if data.get("presences"):
            chunk["presences"] = []
        await self.gateway.dispatch("GUILD_MEMBERS_CHUNK", chunk, session)
