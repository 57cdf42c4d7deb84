-- Trusts, strike periods, the page's spreadsheets, their downloaded versions (releases) and figures.

CREATE TABLE trusts (
    org_code   TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    region     TEXT,
    name_as_of TEXT NOT NULL DEFAULT ''  -- publication date of the release that gave the name
);

CREATE TABLE trust_aliases (
    org_code TEXT NOT NULL REFERENCES trusts (org_code),
    alias    TEXT NOT NULL,
    PRIMARY KEY (org_code, alias)
);

CREATE TABLE strike_periods (
    id                  INTEGER PRIMARY KEY,
    start_date          TEXT NOT NULL,
    end_date            TEXT NOT NULL CHECK (end_date >= start_date),
    staff_groups        TEXT NOT NULL DEFAULT '',
    unions              TEXT NOT NULL DEFAULT '',
    scope               TEXT NOT NULL DEFAULT '',
    national_inpatient  INTEGER,
    national_outpatient INTEGER,
    national_total      INTEGER,
    source_url          TEXT,
    origin              TEXT NOT NULL DEFAULT 'calendar',
    UNIQUE (start_date, end_date)
);

CREATE TABLE documents (
    url           TEXT PRIMARY KEY,
    link_text     TEXT NOT NULL DEFAULT '',
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    listed        INTEGER NOT NULL DEFAULT 1,
    etag          TEXT,
    last_modified TEXT,
    sha256        TEXT,
    status        TEXT,
    error         TEXT,
    checked_at    TEXT
);

CREATE TABLE releases (
    id                 INTEGER PRIMARY KEY,
    url                TEXT NOT NULL,
    link_text          TEXT NOT NULL DEFAULT '',
    fetched_at         TEXT NOT NULL,
    published          TEXT NOT NULL,
    sha256             TEXT NOT NULL,
    etag               TEXT,
    last_modified      TEXT,
    size_bytes         INTEGER,
    status             TEXT NOT NULL CHECK (status IN ('ingested', 'skipped', 'failed')),
    error              TEXT,
    period_id          INTEGER REFERENCES strike_periods (id),
    sheet              TEXT,
    shape              TEXT,
    england_inpatient  INTEGER,
    england_outpatient INTEGER,
    validation         TEXT NOT NULL DEFAULT 'ok',
    UNIQUE (url, sha256)
);
CREATE INDEX releases_period ON releases (period_id, status);

CREATE TABLE figures (
    release_id INTEGER NOT NULL REFERENCES releases (id),
    org_code   TEXT NOT NULL,
    day        TEXT NOT NULL,  -- ISO date, or '' when the release gives period totals only
    inpatient  INTEGER CHECK (inpatient >= 0),   -- NULL: not reported (never the same as 0)
    outpatient INTEGER CHECK (outpatient >= 0),
    PRIMARY KEY (release_id, org_code, day)
) WITHOUT ROWID;  -- one B-tree, clustered the way every query reads it

-- The latest ingested version of each period: the one every figure is read from.
CREATE VIEW current_releases AS
SELECT r.*,
       (SELECT count(*) FROM releases v
         WHERE v.period_id = r.period_id AND v.status = 'ingested') AS versions
  FROM releases r
 WHERE r.status = 'ingested'
   AND r.id = (SELECT c.id FROM releases c
                WHERE c.period_id = r.period_id AND c.status = 'ingested'
                ORDER BY c.published DESC, c.id DESC LIMIT 1);

CREATE TABLE page_state (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,
    fetched_at    TEXT NOT NULL
);

CREATE TABLE polls (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    ok          INTEGER,
    summary     TEXT,
    error       TEXT
);
