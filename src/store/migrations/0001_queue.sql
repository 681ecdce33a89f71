-- Migration 1: call lists, their prospects, and the calls made to them.
-- Released migrations are never edited: later changes go in a new file.
--
-- Times are UTC RFC 3339 text with microseconds and a `Z`
-- (2024-05-01T09:30:00.000000Z): fixed width, so text order is time order
-- and retention can compare them directly.
--
-- Only what dialing needs is stored: no other report column reaches the disk.

-- One loaded report. `mapped_fields` is a JSON array of the `--map` names
-- the last load used.
CREATE TABLE lists (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    report_id TEXT NOT NULL,
    mapped_fields TEXT NOT NULL DEFAULT '[]',
    loaded_at TEXT NOT NULL
) STRICT;

-- One person to call in one list. `id` is the row number `queue` shows and
-- users type later, so AUTOINCREMENT: a removed row's number is never
-- handed to someone else. `mapped` is a JSON object of the `--map` fields.
CREATE TABLE prospects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    list_id INTEGER NOT NULL REFERENCES lists (id) ON DELETE RESTRICT,
    person_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('contact', 'lead')),
    related_id TEXT,
    account_id TEXT,
    name TEXT NOT NULL,
    title TEXT,
    account TEXT,
    phone TEXT,
    phone_e164 TEXT,
    mapped TEXT NOT NULL DEFAULT '{}',
    first_loaded_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (list_id, person_id)
) STRICT;

-- Salesforce ids are compared on their case-sensitive 15-character form.
CREATE INDEX prospects_person_id15 ON prospects (substr(person_id, 1, 15));

-- One call, recorded locally first and pushed to Salesforce as a Task.
-- `id` is a UUID that becomes the Task's `CallObject`, so a push whose answer
-- was lost can be checked before it is retried. A prospect with calls cannot
-- be deleted (RESTRICT): call history outlives re-loads and `--replace`.
--
-- recorded_at    when the call was logged here (`called_at` may be earlier)
-- follow_up_on   date (YYYY-MM-DD) of the follow-up Task, if any
-- attempted_at   last time a push sent it; set with `synced_at` NULL it
--                means the outcome is unknown and must be looked up
-- lease_owner,   a pusher's claim on the row, so two processes never send
-- lease_until    the same call; expired leases are free again
-- error          Salesforce's message when the record was rejected
-- synced_at,     set together once Salesforce confirmed the Task
-- salesforce_id
CREATE TABLE calls (
    id TEXT PRIMARY KEY,
    prospect_id INTEGER NOT NULL REFERENCES prospects (id) ON DELETE RESTRICT,
    called_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    notes TEXT,
    duration_seconds INTEGER CHECK (duration_seconds >= 0),
    follow_up_on TEXT,
    attempted_at TEXT,
    lease_owner TEXT,
    lease_until TEXT,
    error TEXT,
    synced_at TEXT,
    salesforce_id TEXT
) STRICT;

CREATE INDEX calls_prospect ON calls (prospect_id);
CREATE INDEX calls_called_at ON calls (called_at);
CREATE INDEX calls_unsynced ON calls (recorded_at) WHERE synced_at IS NULL;
