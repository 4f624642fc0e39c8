-- Bookstation schema, version 5: the library's due date for a loan.

-- The due date the district answered a loan or hold pickup with (its own
-- rules, `YYYY-MM-DD`); NULL until it answers, or when it does not say
-- (the payload's `due_date`, the kiosk's, then stands).
ALTER TABLE outbox ADD COLUMN library_due_date TEXT;
