-- PostgreSQL's form of 0007: 64-bit ids and counts, no WITHOUT ROWID; otherwise as SQLite's.

CREATE TABLE workforce_parts (
    release_id  BIGINT PRIMARY KEY REFERENCES releases (id),
    status      TEXT NOT NULL CHECK (status IN ('read', 'skipped')),
    note        TEXT NOT NULL DEFAULT '',
    sheet       TEXT,
    shape       TEXT,
    staff_group TEXT NOT NULL DEFAULT '',
    validation  TEXT NOT NULL DEFAULT 'ok'
);

CREATE TABLE workforce_days (
    release_id BIGINT NOT NULL REFERENCES workforce_parts (release_id),
    day        TEXT NOT NULL,
    england    BIGINT CHECK (england >= 0),
    PRIMARY KEY (release_id, day)
);

CREATE TABLE staff_absent (
    release_id BIGINT NOT NULL REFERENCES workforce_parts (release_id),
    org_code   TEXT NOT NULL,
    day        TEXT NOT NULL,
    absent     BIGINT CHECK (absent >= 0),
    PRIMARY KEY (release_id, org_code, day)
);
