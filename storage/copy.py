"""Copy everything a store keeps into another (SQLite to PostgreSQL, or back), all or nothing."""

from __future__ import annotations

from storage.errors import StoreError
from storage.store import SQLStore

# Every table that holds data, parents before children. Not copied: `schema_migrations` (each
# store is migrated when opened) and `roles` (leases of running processes, not data).
TABLES = (
    "trusts",
    "trust_aliases",
    "strike_periods",
    "documents",
    "releases",
    "figures",
    "workforce_parts",
    "workforce_days",
    "staff_absent",
    "page_state",
    "polls",
    "bot_state",
    "guild_settings",
    "tracked_trusts",
    "followed_regions",
    "subject_channels",
    "announced_milestones",
    "alerts",
    "crossposts",
    "announced_strikes",
)
WITH_IDS = {"strike_periods", "releases", "polls", "alerts", "announced_strikes"}


async def row_counts(store: SQLStore) -> dict[str, int]:
    counts = {}
    for table in TABLES:
        found = await store.engine.fetch(f"SELECT count(*) FROM {table}")
        counts[table] = found[0][0]
    return counts


async def copy_store(
    source: SQLStore, target: SQLStore, *, replace: bool = False
) -> dict[str, int]:
    """Copy every row, ids included, in one transaction on the target; returns rows per table.

    A target that holds data is refused unless `replace`, which empties it in the same transaction.
    """
    held = {table: n for table, n in (await row_counts(target)).items() if n}
    if held and not replace:
        biggest = ", ".join(f"{n} {table}" for table, n in sorted(held.items())[:3])
        raise StoreError(
            f"the target store {target.name} already holds data ({biggest}...):"
            " pass --replace to overwrite it"
        )
    copied = {}
    async with target.engine.transaction(serial=True) as tx:
        for table in reversed(TABLES):
            await tx.execute(f"DELETE FROM {table}")
        for table in TABLES:
            rows = await source.engine.fetch(f"SELECT * FROM {table}")
            copied[table] = len(rows)
            if not rows:
                continue
            await tx.insert_rows(table, list(rows[0].keys()), [tuple(row) for row in rows])
            if table in WITH_IDS:
                await target.engine.continue_ids(tx, table)
    return copied
