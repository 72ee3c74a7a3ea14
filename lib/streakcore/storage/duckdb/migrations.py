"""Numbered schema migrations. Append only: never edit one that has shipped."""

from __future__ import annotations

MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE TABLE activities (
            activity_id     VARCHAR PRIMARY KEY,
            start_local     TIMESTAMP NOT NULL,   -- wall clock where the run happened
            utc_offset_min  INTEGER NOT NULL,     -- the offset it carried there
            local_date      DATE NOT NULL,        -- the streak day
            distance_m      DOUBLE NOT NULL,
            duration_s      DOUBLE NOT NULL,
            activity_type   VARCHAR NOT NULL,
            external_id     VARCHAR,
            is_treadmill    BOOLEAN,
            heart_rate_avg  DOUBLE,
            notes           VARCHAR,
            best_mile_s     DOUBLE,               -- fastest whole mile, from its splits
            fingerprint     VARCHAR NOT NULL,     -- source summary hash: changed => new splits
            payload         VARCHAR,              -- the source summary as received (JSON)
            deleted_at      TIMESTAMPTZ,          -- set when the source no longer has it
            synced_at       TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE splits (
            activity_id       VARCHAR NOT NULL,
            unit              VARCHAR NOT NULL,
            idx               INTEGER NOT NULL,
            distance_m        DOUBLE NOT NULL,    -- cumulative
            elapsed_s         DOUBLE NOT NULL,    -- cumulative
            speed             DOUBLE,
            heart_rate        DOUBLE,
            elevation_gain_m  DOUBLE,
            elevation_loss_m  DOUBLE
        );
        CREATE TABLE sync_state (
            key         VARCHAR PRIMARY KEY,
            value       VARCHAR NOT NULL,          -- JSON
            updated_at  TIMESTAMPTZ NOT NULL
        );
        CREATE SEQUENCE quarantine_id;
        CREATE TABLE quarantine (
            id           BIGINT PRIMARY KEY DEFAULT nextval('quarantine_id'),
            source       VARCHAR NOT NULL,         -- e.g. the endpoint it came from
            activity_id  VARCHAR,
            reason       VARCHAR NOT NULL,
            payload      VARCHAR NOT NULL,
            received_at  TIMESTAMPTZ NOT NULL
        );
        CREATE VIEW runs AS
            SELECT * EXCLUDE (payload, fingerprint, deleted_at, best_mile_s) FROM activities
            WHERE deleted_at IS NULL;
        """,
    ),
    (
        2,
        """
        -- Runs from anywhere: where each row came from, how its day was found, and which
        -- counted run it is a copy of (NULL: it counts). Every row so far is SmashRun's.
        ALTER TABLE activities ADD COLUMN source VARCHAR DEFAULT 'smashrun';
        ALTER TABLE activities ADD COLUMN source_id VARCHAR;
        ALTER TABLE activities ADD COLUMN zone_source VARCHAR DEFAULT 'smashrun-local-time';
        ALTER TABLE activities ADD COLUMN duplicate_of VARCHAR;
        UPDATE activities SET source = 'smashrun', source_id = activity_id,
                              zone_source = 'smashrun-local-time';
        CREATE OR REPLACE VIEW runs AS
            SELECT * EXCLUDE (payload, fingerprint, deleted_at, best_mile_s, duplicate_of)
            FROM activities
            WHERE deleted_at IS NULL AND duplicate_of IS NULL;
        """,
    ),
)

LATEST_VERSION = MIGRATIONS[-1][0]
