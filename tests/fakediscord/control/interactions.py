"""Control API for interactions: invoke commands and autocomplete as a user would."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..gateway.routing import guild_of
from ..records import InteractionHandle, Reply
from .builder import InteractionBuilder

if TYPE_CHECKING:
    from ..gateway import Gateway
    from ..state import FakeState
    from .gateway import GatewayControl


class InteractionControl:
    def __init__(self, state: FakeState, gateway: Gateway, sessions: GatewayControl) -> None:
        self.state = state
        self.gateway = gateway
        self.sessions = sessions
        self.bridge = state.bridge
        self.builder = InteractionBuilder(state)

    def invoke(self, name: str, options: Any = None, **kwargs: Any) -> InteractionHandle:
        """Dispatch an APPLICATION_COMMAND interaction (type 2).

        ``name`` may contain the subcommand path ("strike add" / "strike admin add").
        ``options``: ``{name: value}`` (types from the synced schema, or ``Opt``/Python types)
        or a raw list of option dicts. Keyword arguments: ``guild_id`` (default: first guild),
        ``channel_id`` (default: first text channel), ``user`` (dict or id), ``roles`` (ids or
        names), ``permissions`` (member permissions override), ``app_permissions``, ``dm``
        (invoke in a DM: no guild, ``user`` instead of ``member``), ``locale``,
        ``command_type`` (1 chat input; 2 user / 3 message with ``target_id``).
        """
        payload = self.builder.build(2, name, options, **kwargs)
        return self.bridge.call(self._dispatch(payload), self.state.connect_timeout + 5)

    async def ainvoke(self, name: str, options: Any = None, **kwargs: Any) -> InteractionHandle:
        payload = self.builder.build(2, name, options, **kwargs)
        return await self.bridge.acall(self._dispatch(payload))

    def autocomplete(
        self, name: str, focused: str, value: Any = "", options: Any = None, **kwargs: Any
    ) -> InteractionHandle:
        """Dispatch an APPLICATION_COMMAND_AUTOCOMPLETE interaction (type 4) with ``focused``
        being typed as ``value``. ``handle.choices`` holds the answer (callback type 8)."""
        payload = self.builder.build(
            4, name, options, focused=focused, focused_value=value, **kwargs
        )
        return self.bridge.call(self._dispatch(payload), self.state.connect_timeout + 5)

    async def aautocomplete(
        self, name: str, focused: str, value: Any = "", options: Any = None, **kwargs: Any
    ) -> InteractionHandle:
        payload = self.builder.build(
            4, name, options, focused=focused, focused_value=value, **kwargs
        )
        return await self.bridge.acall(self._dispatch(payload))

    def run_command(
        self, name: str, options: Any = None, *, timeout: float = 5.0, **kwargs: Any
    ) -> Reply:
        """``invoke`` + ``wait_response``."""
        return self.invoke(name, options, **kwargs).wait_response(timeout)

    async def arun_command(
        self,
        name: str,
        options: Any = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        **kwargs: Any,
    ) -> Reply:
        handle = await self.ainvoke(name, options, **kwargs)
        return await handle.await_response(timeout)

    async def _dispatch(self, payload: dict[str, Any]) -> InteractionHandle:
        """Send the interaction to the session that gets its guild's events (for a DM, the
        current session), once that session is READY."""
        await self.sessions.wait_session(guild_of("INTERACTION_CREATE", payload))
        handle = InteractionHandle(self.bridge, payload)
        with self.state.lock:
            self.state.handles.add(handle)
        handle.created = time.monotonic()
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return handle
