-- Trigram indexes back the `q` search on list endpoints (PGlite loads the
-- extension from its contrib build; Neon and Debian's Postgres ship it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
