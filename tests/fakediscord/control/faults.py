"""Control API for misbehaviour: failing requests, 429s, slow answers, refused DMs, a new token."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..limits import FaultRule

if TYPE_CHECKING:
    from ..state import FakeState


class FaultControl:
    def __init__(self, state: FakeState) -> None:
        self.state = state

    def fail_next(
        self,
        method: str | None,
        path_regex: str,
        status: int = 429,
        *,
        times: int | None = 1,
        retry_after: float = 0.2,
        is_global: bool = False,
        code: int | None = None,
        message: str | None = None,
        body: Any = None,
        delay: float = 0.0,
    ) -> FaultRule:
        """Answer the next ``times`` matching requests (``method`` or None/"*" for any;
        ``path_regex`` searched in the path relative to /api/v10) with ``status``. 429s carry
        ``Via``, ``Retry-After``, X-RateLimit headers and JSON ``retry_after``/``global``.
        ``times=None`` keeps failing until ``clear_faults``."""
        rule = FaultRule(
            method=method,
            pattern=re.compile(path_regex),
            status=status,
            times=times,
            retry_after=retry_after,
            is_global=is_global,
            code=code,
            message=message,
            body=body,
            delay=delay,
        )
        with self.state.lock:
            self.state.request_log.faults.append(rule)
        return rule

    def clear_faults(self) -> None:
        with self.state.lock:
            self.state.request_log.faults.clear()

    def delay_answers(self, method: str, path_regex: str, seconds: float) -> None:
        """Handle matching requests at once but answer them `seconds` later (0 clears it)."""
        self.state.answer_delay = (method.upper(), path_regex, seconds) if seconds else None

    def set_latency(self, seconds: float) -> None:
        """Delay every REST answer by ``seconds`` (benchmarks)."""
        self.state.latency = seconds

    def block_dms(self, user_id: int) -> None:
        """DMs to this user fail with 403 Cannot send messages to this user (50007)."""
        with self.state.lock:
            self.state.world.blocked_dm_users.add(int(user_id))

    def set_token(self, token: str) -> None:
        with self.state.lock:
            self.state.identity.token = token
