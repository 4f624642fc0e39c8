-- Bookstation schema, version 4: the shelf category in English.

-- Beside the Korean `category`; NULL when the district gives none (the
-- screen then shows the Korean one in every language).
ALTER TABLE items ADD COLUMN category_en TEXT;
