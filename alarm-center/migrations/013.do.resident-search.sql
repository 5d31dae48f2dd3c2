-- The resident search (residents/repository.ts `search`) looks for each word anywhere in a
-- resident's name, address or id. A trigram index answers ILIKE '%word%' without reading every
-- resident (100,000 residents: see bench/resident-search.bench.ts). pg_trgm is a trusted
-- extension: the database owner may create it without being a superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX residents_search_trgm ON residents
  USING gin ((name || ' ' || address || ' ' || id) gin_trgm_ops);
