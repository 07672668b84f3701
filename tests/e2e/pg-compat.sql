-- pg-compat.sql - SQLite's functions that the e2e suites' own queries (the
-- db helper of lib.sh) use, for the runs on PostgreSQL (run-pg.sh). Loaded
-- into each test database only; alerthub itself needs none of them.
CREATE FUNCTION ah_gc(acc text, v anyelement, sep text) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT CASE WHEN v IS NULL THEN acc WHEN acc IS NULL THEN v::text ELSE acc || sep || v::text END $$;
CREATE FUNCTION ah_gc1(acc text, v anyelement) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT ah_gc(acc, v, ',') $$;
CREATE AGGREGATE group_concat(anyelement) (SFUNC = ah_gc1, STYPE = text);
CREATE AGGREGATE group_concat(anyelement, text) (SFUNC = ah_gc, STYPE = text);
CREATE FUNCTION ifnull(a anyelement, b anyelement) RETURNS anyelement LANGUAGE sql IMMUTABLE AS
  $$ SELECT coalesce(a, b) $$;
CREATE FUNCTION ah_total(acc float8, v anyelement) RETURNS float8 LANGUAGE sql IMMUTABLE AS
  $$ SELECT acc + coalesce(v::text::float8, 0) $$;
CREATE AGGREGATE total(anyelement) (SFUNC = ah_total, STYPE = float8, INITCOND = '0');
