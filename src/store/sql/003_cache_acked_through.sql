-- Bookstation schema, version 3: what a cached patron status already counts.

-- The highest outbox seq the district had acknowledged when the status was
-- cached. The sync delivers in seq order, so the cached counts include this
-- kiosk's events up to it and none after; offline, the events after it are
-- settled on top (the ones acknowledged since as much as the pending ones).
-- 0 for rows cached before this column: every event counts again, which
-- errs on the side of lending less.
ALTER TABLE patron_cache ADD COLUMN acked_through INTEGER NOT NULL DEFAULT 0;
