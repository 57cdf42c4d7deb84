-- Small facts the bot keeps between starts (e.g. the hash of the last globally synced command tree).
CREATE TABLE bot_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
