-- Per-server alert settings, tracked trusts, milestones already announced, the alert outbox and
-- strikes a server announced itself.

CREATE TABLE guild_settings (
    guild_id         INTEGER PRIMARY KEY,
    alert_channel_id INTEGER,
    alert_role_id    INTEGER,
    trust_every      INTEGER NOT NULL DEFAULT 1000 CHECK (trust_every >= 0),
    national_every   INTEGER NOT NULL DEFAULT 100000 CHECK (national_every >= 0),
    extra_thresholds TEXT NOT NULL DEFAULT '',  -- "4000,10000"
    digest           INTEGER NOT NULL DEFAULT 0,
    updated_at       TEXT NOT NULL
);

CREATE TABLE tracked_trusts (
    guild_id INTEGER NOT NULL,
    org_code TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, org_code)
);

-- Every threshold a server was told about (or passed silently with a higher one): never again.
CREATE TABLE announced_milestones (
    guild_id   INTEGER NOT NULL,
    subject    TEXT NOT NULL,  -- org code, or ENGLAND
    threshold  INTEGER NOT NULL,
    release_id INTEGER NOT NULL,
    PRIMARY KEY (guild_id, subject, threshold)
);

-- The outbox: written in the transaction that decides to send; sent at most once per key.
CREATE TABLE alerts (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,  -- 0: the bot's owners
    kind            TEXT NOT NULL,     -- trust_milestone, national_milestone, digest, reminder, owner_report, test
    subject         TEXT NOT NULL,
    key             TEXT NOT NULL,
    release_id      INTEGER,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,     -- also "not before", for reminders written ahead of time
    error           TEXT,
    channel_id      INTEGER,
    message_id      INTEGER,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    UNIQUE (guild_id, kind, subject, key)
);
CREATE INDEX alerts_due ON alerts (status, next_attempt_at);

CREATE TABLE announced_strikes (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    start_date  TEXT NOT NULL,
    end_date    TEXT NOT NULL CHECK (end_date >= start_date),
    staff_group TEXT NOT NULL,
    unions      TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    cancelled   INTEGER NOT NULL DEFAULT 0,
    created_by  INTEGER,
    created_at  TEXT NOT NULL
);
