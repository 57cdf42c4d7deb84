"""Role leases (poller, courier, shards): one statement takes or renews, atomically, on both engines."""

from __future__ import annotations

from bot.domain.roles import Holder, Lease
from storage.engines import Engine, Row

CLAIM = (
    "INSERT INTO roles (role, holder, host, pid, since_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (role) DO UPDATE SET holder = excluded.holder, host = excluded.host,"
    " pid = excluded.pid, expires_ms = excluded.expires_ms,"
    " since_ms = CASE WHEN roles.holder = excluded.holder THEN roles.since_ms"
    " ELSE excluded.since_ms END"
    " WHERE roles.holder = excluded.holder OR roles.expires_ms <= excluded.since_ms"
    " RETURNING *"
)


def _lease(row: Row) -> Lease:
    return Lease(
        row["role"],
        Holder(row["holder"], row["host"], row["pid"]),
        row["since_ms"],
        row["expires_ms"],
    )


class Roles:
    def __init__(self, database: Engine) -> None:
        self._db = database

    async def claim(self, role: str, holder: Holder, lease_ms: int) -> Lease:
        while True:
            now = await self._db.clock_ms()
            found = await self._db.fetch(
                CLAIM, (role, holder.id, holder.host, holder.pid, now, now + lease_ms)
            )
            if not found:  # someone else holds it and their lease runs
                found = await self._db.fetch("SELECT * FROM roles WHERE role = ?", (role,))
            if found:  # (else its holder let it go between the two statements: try again)
                return _lease(found[0])

    async def release(self, role: str, holder: Holder) -> None:
        await self._db.execute("DELETE FROM roles WHERE role = ? AND holder = ?", (role, holder.id))

    async def leases(self) -> list[Lease]:
        return [_lease(r) for r in await self._db.fetch("SELECT * FROM roles ORDER BY role")]

    async def clock_ms(self) -> int:
        return await self._db.clock_ms()
