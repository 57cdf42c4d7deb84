-- The workforce part of each release: staff absent because of industrial action, per trust and day.
-- Rows belong to their release, as figures do: the period's current release says what is current.

CREATE TABLE workforce_parts (
    release_id  INTEGER PRIMARY KEY REFERENCES releases (id),
    status      TEXT NOT NULL CHECK (status IN ('read', 'skipped')),  -- skipped: `note` says why
    note        TEXT NOT NULL DEFAULT '',                 -- how it was read, or why not
    sheet       TEXT,
    shape       TEXT,
    staff_group TEXT NOT NULL DEFAULT '',                 -- the staff the file says it counts
    validation  TEXT NOT NULL DEFAULT 'ok'                -- its England row against the trusts' sum
);

-- Every day the part covers, with the file's own England row that day (NULL: no England row).
CREATE TABLE workforce_days (
    release_id INTEGER NOT NULL REFERENCES workforce_parts (release_id),
    day        TEXT NOT NULL,  -- ISO date
    england    INTEGER CHECK (england >= 0),
    PRIMARY KEY (release_id, day)
) WITHOUT ROWID;

CREATE TABLE staff_absent (
    release_id INTEGER NOT NULL REFERENCES workforce_parts (release_id),
    org_code   TEXT NOT NULL,
    day        TEXT NOT NULL,  -- ISO date
    absent     INTEGER CHECK (absent >= 0),  -- NULL: not reported (never the same as 0)
    PRIMARY KEY (release_id, org_code, day)
) WITHOUT ROWID;  -- one B-tree, clustered the way every query reads it
