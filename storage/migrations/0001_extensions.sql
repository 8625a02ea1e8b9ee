-- Extensions the schema relies on: trigram indexes for ILIKE search and
-- case-insensitive text for e-mail addresses.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS citext;
