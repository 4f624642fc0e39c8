-- Bookstation schema, version 6: other libraries' books returned here (통합반납).

-- NULL: this kiosk's own copy (the district's inventory). Else another
-- library's book returned here: its library's name; it is not offered,
-- restocked or counted as the kiosk's, and leaves with the next unload.
ALTER TABLE items ADD COLUMN library TEXT;

-- A return of another library's book: its library, so the event (written
-- at completion, or by recovery after a crash) names where it goes.
ALTER TABLE intents ADD COLUMN library TEXT;

-- Where the district says a returned book must go rather than a shelf
-- here (its own library, a hold elsewhere), for the unload's transit list.
ALTER TABLE bin_contents ADD COLUMN send_to TEXT;
