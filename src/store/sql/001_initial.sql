-- Bookstation schema, version 1. Timestamps are milliseconds since the Unix
-- epoch; booleans are 0/1. STRICT makes SQLite refuse a value of the wrong type
-- instead of storing it and failing later on the way back out.

-- "BkSt": how Store::open tells this file from another program's database.
-- Written here so that the schema and the claim commit together.
PRAGMA application_id = 1114329972;

-- The catalogue of this kiosk's copies, from the district's inventory.
-- Rows are never deleted: slots, the bin and old intents point at them.
CREATE TABLE items (
    item_id    TEXT PRIMARY KEY NOT NULL,
    title      TEXT NOT NULL,
    author     TEXT NOT NULL,
    category   TEXT NOT NULL,
    cover_url  TEXT,
    -- The patron this copy waits for, and the district's hold id for it.
    hold_for   TEXT,
    hold_id    TEXT,
    updated_at INTEGER NOT NULL
) STRICT;

-- The cabinet's doors. A locker holds at most one book and a book sits in at
-- most one locker (UNIQUE); the bin's books are in bin_contents.
CREATE TABLE slots (
    slot_no        INTEGER PRIMARY KEY CHECK (slot_no BETWEEN 1 AND 65535),
    kind           TEXT NOT NULL CHECK (kind IN ('locker', 'return_bin')),
    item_id        TEXT UNIQUE REFERENCES items (item_id),
    out_of_service INTEGER NOT NULL DEFAULT 0 CHECK (out_of_service IN (0, 1)),
    fault          TEXT,
    CHECK (kind = 'locker' OR item_id IS NULL)
) STRICT;

-- Books returned down the chute and not yet unloaded by staff.
CREATE TABLE bin_contents (
    item_id     TEXT PRIMARY KEY NOT NULL REFERENCES items (item_id),
    returned_at INTEGER NOT NULL
) STRICT;

-- The journal: what the kiosk was about to do before it opened a door
-- (invariant 1), closed with exactly one outcome (invariant 3).
CREATE TABLE intents (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('loan', 'hold_pickup', 'return', 'restock')),
    slot_no        INTEGER NOT NULL REFERENCES slots (slot_no),
    item_id        TEXT,
    patron_id      TEXT,
    hold_id        TEXT,
    offline        INTEGER NOT NULL CHECK (offline IN (0, 1)),
    -- The return chute's drop counter when a return began.
    drops_at_start INTEGER,
    state          TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'completed', 'cancelled')),
    created_at     INTEGER NOT NULL,
    closed_at      INTEGER,
    note           TEXT,
    CHECK ((state = 'open') = (closed_at IS NULL))
) STRICT;

-- Two open intents on one door would leave recovery guessing which one the
-- sensors speak for.
CREATE UNIQUE INDEX intents_one_open_per_slot ON intents (slot_no) WHERE state = 'open';

-- Events for the district (invariant 2). AUTOINCREMENT: a seq is never reused,
-- even after the newest row is deleted by hand.
CREATE TABLE outbox (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    -- UUIDv7, hyphenated: the idempotency key the district counts once.
    id              TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    -- JSON of EventBody.
    payload         TEXT NOT NULL CHECK (json_valid(payload)),
    offline         INTEGER NOT NULL CHECK (offline IN (0, 1)),
    created_at      INTEGER NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'acked', 'rejected')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at INTEGER,
    last_error      TEXT
) STRICT;

CREATE INDEX outbox_state_seq ON outbox (state, seq);

-- Patrons last seen online, for offline lending (invariant 4). Keyed by the
-- HMAC of the card, never the card UID; the status holds no name.
CREATE TABLE patron_cache (
    card_hash      BLOB PRIMARY KEY NOT NULL CHECK (length(card_hash) = 32),
    -- JSON of PatronStatus with ready_holds emptied.
    status         TEXT NOT NULL CHECK (json_valid(status)),
    seen_online_at INTEGER NOT NULL
) STRICT;

-- The kiosk's own switches: one row.
CREATE TABLE kiosk_state (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    out_of_service    INTEGER NOT NULL DEFAULT 0 CHECK (out_of_service IN (0, 1)),
    outage_started_at INTEGER
) STRICT;

INSERT INTO kiosk_state (id) VALUES (1);
