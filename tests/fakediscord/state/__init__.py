"""Everything the fake knows, shared by its REST routes, gateway and control API."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import fixtures as fx
from ..bridge import Bridge
from ..limits import RateLimitModel
from .commands import CommandRegistry
from .identity import Address, Identity, application_info
from .messages import AttachmentStore, MessageStore
from .recordings import GatewayLog, HandleRegistry, RequestLog
from .world import World

__all__ = ["Address", "FakeState", "Identity"]


class FakeState:
    """The parts of the fake's state and the knobs tests turn, behind one lock.

    Everything is read and changed under ``lock`` (the bridge's), from the fake's loop and from
    test threads alike; ``cond`` wakes the threads waiting for a recording.
    """

    def __init__(
        self,
        identity: Identity,
        address: Address,
        guilds: Iterable[dict[str, Any]] | None,
        *,
        rate_limits: RateLimitModel | None,
        latency: float,
        heartbeat_interval_ms: int,
        allowed_intents: int,
        interaction_timeout: float | None,
        attachment_size_limit: int,
        strict_commands: bool,
        echo_messages: bool,
        connect_timeout: float,
        recommended_shards: int = 1,
    ) -> None:
        self.bridge = Bridge()
        self.lock = self.bridge.lock
        self.cond = self.bridge.cond
        self.identity = identity
        self.address = address

        self.rate_limits = rate_limits
        self.latency = latency
        self.answer_delay: tuple[str, str, float] | None = None
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.allowed_intents = allowed_intents
        self.interaction_timeout = interaction_timeout
        self.attachment_size_limit = attachment_size_limit
        self.strict_commands = strict_commands
        self.echo_messages = echo_messages
        self.connect_timeout = connect_timeout
        self.recommended_shards = recommended_shards  # GET /gateway/bot's "shards"
        self.gateway_down = False  # an outage: the gateway answers 503 to every connection
        # Discord's limit on publishing in one announcement channel: (count, per seconds)
        self.crosspost_limit: tuple[int, float] = (10, 3600.0)

        self.world = World(identity)
        for guild in [fx.make_guild()] if guilds is None else list(guilds):
            self.world.add_guild(guild)
        self.request_log = RequestLog()
        self.attachments = AttachmentStore(address)
        self.message_store = MessageStore(identity, self.attachments)
        self.commands = CommandRegistry(identity)
        self.handles = HandleRegistry()
        self.gateway_log = GatewayLog()

    def application_info(self) -> dict[str, Any]:
        return application_info(self.identity, self.world)

    def default_guild_id(self) -> int:
        with self.lock:
            return list(self.world.guilds)[0]
