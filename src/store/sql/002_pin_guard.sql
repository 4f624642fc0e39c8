-- Bookstation schema, version 2: PIN checks that hold offline and across
-- restarts.

-- An Argon2id verifier of the PIN the district accepted at the patron's last
-- online sign-in, keyed with the card key: offline sign-in checks the PIN
-- against it. Never the PIN itself. NULL: no offline loan for this patron.
ALTER TABLE patron_cache ADD COLUMN pin_verifier TEXT;

-- Wrong PINs and lock-outs, per credential, per patron and per staff member.
-- The key is an HMAC (with the card key) of what it counts, so the table
-- says nothing about whose card is whose.
CREATE TABLE pin_throttle (
    key          BLOB PRIMARY KEY NOT NULL CHECK (length(key) = 32),
    failures     INTEGER NOT NULL CHECK (failures >= 0),
    lockouts     INTEGER NOT NULL CHECK (lockouts >= 0),
    locked_until INTEGER
) STRICT;
