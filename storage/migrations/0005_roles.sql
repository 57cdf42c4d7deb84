-- Who does the deployment's single jobs (poller, courier) and runs each shard: a lease per role,
-- renewed by its holder; another process may take it once it has expired. Times are
-- milliseconds since the epoch by the database's clock.
CREATE TABLE roles (
    role       TEXT PRIMARY KEY,  -- poller, courier, shard:N/COUNT
    holder     TEXT NOT NULL,     -- host, pid and a per-start token: unique per process
    host       TEXT NOT NULL,
    pid        BIGINT NOT NULL,
    since_ms   BIGINT NOT NULL,   -- when this holder took it
    expires_ms BIGINT NOT NULL
);
