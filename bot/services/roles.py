"""This process's roles in the deployment: takes a free role, renews its own, lets go of lost ones.

Every process runs a RoleKeeper. Each wants the poller and courier roles; the store's leases make
sure one process has each at a time. Shards are claimed once at start (a clash stops the process)
and renewed here with the rest.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Iterable

from bot.domain.ports import Store
from bot.domain.roles import LEASE_MS, RENEW_MS, Holder, Lease, shard_clash, shard_role
from bot.errors import StoreError, StrikewatchError

log = logging.getLogger(__name__)


class ShardClash(StrikewatchError):
    """Another live process runs one of this process's shards."""

    def __init__(self, message: str, holder: Holder) -> None:
        super().__init__(message)
        self.holder = holder


def this_process() -> Holder:
    return Holder(
        f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}",
        socket.gethostname(),
        os.getpid(),
    )


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


class RoleKeeper:
    def __init__(
        self,
        store: Store,
        roles: Iterable[str],
        *,
        holder: Holder | None = None,
        lease_ms: int = LEASE_MS,
        renew_ms: int = RENEW_MS,
    ) -> None:
        self.store = store
        self.holder = holder or this_process()
        self.wanted = list(roles)
        self.lease_ms, self.renew_ms = lease_ms, renew_ms
        self._held: dict[str, float] = {}  # role -> monotonic time of the last renewal
        self._store_down_since: float | None = None
        self._task: asyncio.Task | None = None

    def holds(self, role: str) -> bool:
        """True while our lease runs by our own clock (a little short of its end, to be safe)."""
        renewed = self._held.get(role)
        return renewed is not None and time.monotonic() - renewed < self.lease_ms * 0.8 / 1000

    async def forget_dead_neighbours(self) -> None:
        """Free the roles of earlier processes on this machine that are gone (killed, crashed),
        so a restart need not wait for their leases to expire."""
        for lease in await self.store.roles.leases():
            other = lease.holder
            if other.host != self.holder.host or other.id == self.holder.id:
                continue
            if other.pid == self.holder.pid or not _running(other.pid):
                log.info("role %s: %s is no longer running; freeing it", lease.role, other.label)
                await self.store.roles.release(lease.role, other)

    async def claim_shards(self, shard_ids: tuple[int, ...], shard_count: int) -> None:
        """Take this process's shards, or stop with one line naming who runs one of them."""
        now = await self.store.roles.clock_ms()
        leases = await self.store.roles.leases()
        others = [lease for lease in leases if lease.holder.id != self.holder.id]
        clash = shard_clash(shard_ids, shard_count, others, now)
        for shard in shard_ids if clash is None else ():
            lease = await self.store.roles.claim(
                shard_role(shard, shard_count), self.holder, self.lease_ms
            )
            if lease.holder.id != self.holder.id:
                clash = lease
                break
        if clash is not None:
            await self.release()
            raise ShardClash(
                f"SHARD_IDS: {clash.role.replace('shard:', 'shard ')} is already run by"
                f" {clash.holder.label}; give each process its own shards of one SHARD_COUNT",
                clash.holder,
            )
        self.wanted += [shard_role(s, shard_count) for s in shard_ids]
        self._held.update({shard_role(s, shard_count): time.monotonic() for s in shard_ids})

    async def tick(self) -> None:
        """One round: claim or renew every wanted role; log each change once."""
        for role in self.wanted:
            try:
                lease = await self.store.roles.claim(role, self.holder, self.lease_ms)
            except StoreError as exc:
                self._store_down(exc)
                break
            self._store_up()
            self._settle(role, lease)
        for role in [r for r in self._held if not self.holds(r)]:
            del self._held[role]
            log.warning(
                "role %s: lost (could not renew it for %.0f s); another process may take it",
                role,
                self.lease_ms * 0.8 / 1000,
            )

    def _settle(self, role: str, lease: Lease) -> None:
        ours = lease.holder.id == self.holder.id
        if ours and role not in self._held:
            log.info("role %s: taken by this process (%s)", role, self.holder.label)
        elif not ours and role in self._held:
            log.warning("role %s: now held by %s", role, lease.holder.label)
        if ours:
            self._held[role] = time.monotonic()
        else:
            self._held.pop(role, None)

    def _store_down(self, exc: Exception) -> None:
        if self._store_down_since is None:
            self._store_down_since = time.monotonic()
            log.warning("store unreachable: %s; roles pause until it answers", exc)

    def _store_up(self) -> None:
        if self._store_down_since is not None:
            log.info(
                "store reachable again after %.0f s", time.monotonic() - self._store_down_since
            )
            self._store_down_since = None

    def start(self) -> RoleKeeper:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="roles")
        return self

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # a bug here must not end the loop: roles would lapse silently
                log.exception("role keeper failed; trying again")
            await asyncio.sleep(self.renew_ms / 1000)

    async def release(self) -> None:
        """Stop, and hand every role back at once so a standby need not wait for expiry."""
        if self._task:
            self._task.cancel()
        for role in list(self._held):
            try:
                await self.store.roles.release(role, self.holder)
            except StoreError:
                pass  # the lease expires on its own
        self._held.clear()
