"""REST routes of the fake, grouped by resource; ``build_router`` puts them in one table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..state import FakeState
from .base import Ctx, Handler, Resp, Router, RouteSpec
from .channels import ChannelRoutes
from .commands import CommandRoutes
from .guilds import GuildRoutes
from .interactions import CALLBACK_ROUTE, CallbackRoutes
from .users import UserRoutes
from .webhooks import WebhookRoutes

if TYPE_CHECKING:
    from ..gateway import Gateway

__all__ = ["CALLBACK_ROUTE", "Ctx", "Handler", "Resp", "RouteSpec", "Router", "build_router"]


def build_router(state: FakeState, gateway: Gateway) -> Router:
    groups = [
        UserRoutes(state),
        CommandRoutes(state),
        CallbackRoutes(state),
        WebhookRoutes(state),
        ChannelRoutes(state, gateway),
        GuildRoutes(state),
    ]
    return Router([spec for group in groups for spec in group.routes()])
