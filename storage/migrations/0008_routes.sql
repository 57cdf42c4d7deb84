-- Alerts routed where each server wants them: followed regions, a channel per subject, the kind of
-- each channel (an announcement channel's alerts are published), charts on milestone alerts, and the
-- publishing still to do. BIGINT holds Discord ids on both engines (SQLite's integers are 64-bit).

ALTER TABLE guild_settings ADD COLUMN alert_channel_kind TEXT NOT NULL DEFAULT 'text'
    CHECK (alert_channel_kind IN ('text', 'announcement', 'thread'));
ALTER TABLE guild_settings ADD COLUMN region_every BIGINT NOT NULL DEFAULT 10000
    CHECK (region_every >= 0);
ALTER TABLE guild_settings ADD COLUMN charts INTEGER NOT NULL DEFAULT 1;

CREATE TABLE followed_regions (
    guild_id BIGINT NOT NULL,
    region   TEXT NOT NULL,  -- one of NHS England's seven regions, as bot/domain/regions.py names it
    added_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, region)
);

-- A subject's own channel; a subject without a row uses the server's alert channel.
CREATE TABLE subject_channels (
    guild_id     BIGINT NOT NULL,
    subject      TEXT NOT NULL,  -- an org code, or region:<name>
    channel_id   BIGINT NOT NULL,
    channel_kind TEXT NOT NULL DEFAULT 'text'
                 CHECK (channel_kind IN ('text', 'announcement', 'thread')),
    gone_at      TEXT,  -- when Discord said the channel was deleted: alerts then use the server's
    PRIMARY KEY (guild_id, subject)
);

-- The subject whose channel an alert goes to ('': the server's alert channel).
ALTER TABLE alerts ADD COLUMN route TEXT NOT NULL DEFAULT '';

-- Alerts posted in an announcement channel and still to be published (crossposted) to the
-- channels that follow it; Discord allows 10 publishes per hour per channel, so some wait.
CREATE TABLE crossposts (
    alert_id        BIGINT PRIMARY KEY REFERENCES alerts (id),
    guild_id        BIGINT NOT NULL,
    channel_id      BIGINT NOT NULL,
    message_id      BIGINT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'published', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    error           TEXT,
    published_at    TEXT
);
CREATE INDEX crossposts_due ON crossposts (status, next_attempt_at);
