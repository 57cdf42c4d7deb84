"""The role keeper on a real store: one holder per role, hand-over on expiry, a store outage."""

from __future__ import annotations

import logging

import pytest

from bot.domain.roles import COURIER, POLLER, Holder
from bot.services.roles import RoleKeeper, ShardClash

pytestmark = pytest.mark.both_backends


async def test_one_process_gets_each_role_and_the_other_takes_over_after_expiry(store):
    first = RoleKeeper(store, (POLLER, COURIER), holder=Holder("a", "alpha", 1), lease_ms=60_000)
    second = RoleKeeper(store, (POLLER, COURIER), holder=Holder("b", "beta", 2), lease_ms=60_000)
    await first.tick()
    await second.tick()
    assert first.holds(COURIER) and first.holds(POLLER)
    assert not second.holds(COURIER) and not second.holds(POLLER)

    await first.release()  # a clean stop hands the roles over at once
    await second.tick()
    assert second.holds(COURIER) and second.holds(POLLER)


async def test_a_lease_not_renewed_in_time_is_given_up_and_taken(store, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("bot.services.roles.time.monotonic", lambda: clock[0])
    first = RoleKeeper(store, (COURIER,), holder=Holder("a", "alpha", 1), lease_ms=0)
    await first.tick()
    assert first.holds(COURIER) is False  # a lease of 0 ms is over at once, by our own clock too
    second = RoleKeeper(store, (COURIER,), holder=Holder("b", "beta", 2), lease_ms=60_000)
    await second.tick()
    assert second.holds(COURIER)
    clock[0] += 47
    assert second.holds(COURIER)
    clock[0] += 2  # no renewal for 80% of the lease: stop acting before others may take it
    assert not second.holds(COURIER)


async def test_a_store_outage_is_logged_once_and_the_roles_lapse(store, caplog, monkeypatch):
    keeper = RoleKeeper(store, (COURIER,), holder=Holder("a", "alpha", 1), lease_ms=60_000)
    await keeper.tick()
    assert keeper.holds(COURIER)
    clock = [1000.0]
    monkeypatch.setattr("bot.services.roles.time.monotonic", lambda: clock[0])
    keeper._held[COURIER] = clock[0]

    async def down(*args, **kwargs):
        from storage import StoreError

        raise StoreError("PostgreSQL x unreachable: connection refused")

    monkeypatch.setattr(store.roles, "claim", down)
    caplog.set_level(logging.INFO, "bot.services.roles")
    for _ in range(5):
        clock[0] += 20
        await keeper.tick()
    assert not keeper.holds(COURIER)
    messages = [r.getMessage() for r in caplog.records]
    assert sum("store unreachable" in m for m in messages) == 1, messages
    assert sum("role courier: lost" in m for m in messages) == 1, messages

    monkeypatch.undo()
    await keeper.tick()
    assert keeper.holds(COURIER)
    assert any("store reachable again" in r.getMessage() for r in caplog.records)


async def test_a_shard_run_by_a_live_process_is_refused_naming_it(store):
    first = RoleKeeper(store, (), holder=Holder("a", "alpha", 11))
    await first.claim_shards((0, 1), 2)
    second = RoleKeeper(store, (), holder=Holder("b", "beta", 22))
    with pytest.raises(ShardClash, match=r"SHARD_IDS: shard 1/2 is already run by alpha pid 11"):
        await second.claim_shards((1,), 2)
    with pytest.raises(ShardClash, match=r"shard 0/2"):
        await second.claim_shards((0,), 4)  # counted differently: refused too
    assert {lease.holder.host for lease in await store.roles.leases()} == {"alpha"}
