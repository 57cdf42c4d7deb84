"""REST routes for the bot's own user, other users, DM channels, the application and the gateway."""

from __future__ import annotations

from ..errors import DiscordHTTPError, field_error, invalid_form
from ..state import FakeState
from .base import Ctx, Resp, RouteSpec


class UserRoutes:
    def __init__(self, state: FakeState) -> None:
        self.state = state

    def routes(self) -> list[RouteSpec]:
        return [
            ("GET", r"/users/@me", self.h_me, True, ""),
            ("GET", r"/users/{u}", self.h_user, True, ""),
            ("POST", r"/users/@me/channels", self.h_create_dm, True, ""),
            ("GET", r"/applications/@me", self.h_application, True, ""),
            ("GET", r"/oauth2/applications/@me", self.h_application, True, ""),
            ("GET", r"/gateway", self.h_gateway, False, ""),
            ("GET", r"/gateway/bot", self.h_gateway_bot, True, ""),
        ]

    async def h_me(self, ctx: Ctx) -> Resp:
        return Resp(200, dict(self.state.identity.bot_user, email=None))

    async def h_user(self, ctx: Ctx, user_id: str) -> Resp:
        with self.state.lock:
            user = self.state.world.users.get(int(user_id))
        if user is None:
            raise DiscordHTTPError(404, 10013, "Unknown User")
        return Resp(200, user)

    async def h_create_dm(self, ctx: Ctx) -> Resp:
        rid = (ctx.json or {}).get("recipient_id")
        if rid is None:
            raise invalid_form(
                {"recipient_id": field_error("BASE_TYPE_REQUIRED", "This field is required")}
            )
        with self.state.lock:
            world = self.state.world
            return Resp(200, world.dm_channel(world.resolve_user(int(rid))))

    async def h_application(self, ctx: Ctx) -> Resp:
        with self.state.lock:
            return Resp(200, self.state.application_info())

    async def h_gateway(self, ctx: Ctx) -> Resp:
        return Resp(200, {"url": self.state.address.gateway_url})

    async def h_gateway_bot(self, ctx: Ctx) -> Resp:
        return Resp(
            200,
            {
                "url": self.state.address.gateway_url,
                "shards": self.state.recommended_shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            },
        )
