"""Shard settings and which shard leases clash."""

import pytest

from bot.domain.roles import Holder, Lease, parse_shard_ids, shard_clash, shard_role

OTHER = Holder("b", "beta", 2)


@pytest.mark.parametrize(
    ("spec", "count", "ids"),
    [("", 3, (0, 1, 2)), ("0,1", 4, (0, 1)), ("0-3", 4, (0, 1, 2, 3)), ("3, 0-1", 4, (0, 1, 3))],
)
def test_shard_ids_are_read_as_lists_and_ranges(spec, count, ids):
    assert parse_shard_ids(spec, count) == ids


@pytest.mark.parametrize(
    ("spec", "message"),
    [("4", "outside SHARD_COUNT=4"), ("2-1", "backwards"), ("a", "not a shard id"), ("1-", "not")],
)
def test_bad_shard_ids_say_why(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_shard_ids(spec, 4)


def lease(role: str, expires: int = 10_000) -> Lease:
    return Lease(role, OTHER, 0, expires)


def test_a_live_lease_on_one_of_our_shards_clashes():
    assert shard_clash((0, 1), 4, [lease(shard_role(1, 4))], now_ms=5_000) is not None
    assert shard_clash((0, 1), 4, [lease(shard_role(2, 4))], now_ms=5_000) is None


def test_an_expired_lease_or_another_role_does_not_clash():
    assert shard_clash((0,), 2, [lease(shard_role(0, 2), expires=5_000)], now_ms=5_000) is None
    assert shard_clash((0,), 2, [lease("courier")], now_ms=5_000) is None


def test_a_different_shard_count_always_clashes():
    # Shard 3 of 4 and shard 0 of 2 both hold some of the same servers.
    assert shard_clash((0,), 2, [lease(shard_role(3, 4))], now_ms=5_000) is not None
