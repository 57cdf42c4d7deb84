"""Roles one process in the whole deployment plays at a time: the poller, the courier, each shard.

A role is a lease in the store: its holder renews it before it expires; once it has expired any
other process may take it. The store's clock decides expiry, so machines need not agree on time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

POLLER = "poller"
COURIER = "courier"
SINGLE_ROLES = (POLLER, COURIER)

LEASE_MS = 15_000  # a holder that has not renewed for this long is taken to be gone
RENEW_MS = 5_000  # holders renew, and standbys try to take, this often: fail-over within 20 s


def shard_role(shard_id: int, shard_count: int) -> str:
    return f"shard:{shard_id}/{shard_count}"


@dataclass(frozen=True, slots=True)
class Holder:
    """One running process: `id` is unique per start, so a restarted process is a new holder."""

    id: str
    host: str
    pid: int

    @property
    def label(self) -> str:
        return f"{self.host} pid {self.pid}"


@dataclass(frozen=True, slots=True)
class Lease:
    role: str
    holder: Holder
    since_ms: int
    expires_ms: int

    def live(self, now_ms: int) -> bool:
        return self.expires_ms > now_ms


def parse_shard_ids(spec: str, shard_count: int) -> tuple[int, ...]:
    """`0,1` or `0-3` (or both: `0-1,4`) as shard ids, each below the count; "" means all."""
    if not spec.strip():
        return tuple(range(shard_count))
    ids: set[int] = set()
    for part in spec.replace(" ", "").split(","):
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not match:
            raise ValueError(f"{part!r} is not a shard id or range (write 0,1 or 0-3)")
        first, last = int(match[1]), int(match[2] or match[1])
        if first > last:
            raise ValueError(f"{part!r} runs backwards")
        ids.update(range(first, last + 1))
    outside = sorted(i for i in ids if i >= shard_count)
    if outside:
        raise ValueError(
            f"shard {outside[0]} is outside SHARD_COUNT={shard_count} (ids run 0 to {shard_count - 1})"
        )
    return tuple(sorted(ids))


def shard_of(role: str) -> tuple[int, int] | None:
    """(shard id, shard count) of a shard role, or None for other roles."""
    if not role.startswith("shard:"):
        return None
    shard, _, count = role.removeprefix("shard:").partition("/")
    return int(shard), int(count)


def shard_clash(
    mine: tuple[int, ...], shard_count: int, leases: list[Lease], now_ms: int
) -> Lease | None:
    """A live shard lease of another process that overlaps ours: the same shard, or any shard
    counted differently (then the two processes split servers two ways)."""
    for lease in leases:
        found = shard_of(lease.role)
        if found is None or not lease.live(now_ms):
            continue
        shard, count = found
        if count != shard_count or shard in mine:
            return lease
    return None


def lease_lines(leases: list[Lease], now_ms: int) -> list[str]:
    """Who holds each role and since when, for `/source status` and `strikewatch status`."""
    lines = []
    for lease in leases:
        since = datetime.fromtimestamp(lease.since_ms / 1000, UTC)
        state = "" if lease.live(now_ms) else " (lease expired: free to take)"
        lines.append(
            f"{lease.role}: {lease.holder.label} since {since:%Y-%m-%d %H:%M:%S} UTC{state}"
        )
    return lines or ["no process holds a role (no bot is running)"]
