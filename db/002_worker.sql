-- unchanging.ink schema, version 2: what the worker needs beyond version 1.

-- The clock floor: the latest reading ink_close_clock() has handed out.
-- Every ts inserted after an interval was closed gets a reading above it,
-- even if the server's clock has stepped backwards meanwhile; otherwise such
-- a ts could fall into an interval that is already sequenced and be lost.
CREATE TABLE IF NOT EXISTS clock_floor (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  ts_us      bigint NOT NULL
);
INSERT INTO clock_floor (singleton, ts_us)
  SELECT true, coalesce(max(i.ts_us), 0) FROM interval i
  ON CONFLICT (singleton) DO NOTHING;

-- Same contract as version 1, plus: the reading is above the clock floor.
CREATE OR REPLACE FUNCTION ink_insert_ts(ids uuid[], hashes bytea[], tags text[])
RETURNS TABLE (id uuid, ts_us bigint) LANGUAGE plpgsql AS $$
DECLARE
  now_us bigint;
BEGIN
  PERFORM pg_advisory_xact_lock_shared(7300001);
  now_us := greatest((extract(epoch FROM clock_timestamp()) * 1000000)::bigint,
                     (SELECT f.ts_us + 1 FROM clock_floor f));
  RETURN QUERY
    INSERT INTO ts AS t (id, ts_us, hash, tag)
    SELECT u.id, now_us, u.hash, u.tag
    FROM unnest(ids, hashes, tags) AS u(id, hash, tag)
    RETURNING t.id, t.ts_us;
END $$;

-- Same contract as version 1, plus: raises the clock floor to the reading.
-- The reading itself is the raw clock: the worker refuses to close an
-- interval whose reading is not after the previous interval's.
CREATE OR REPLACE FUNCTION ink_close_clock() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  now_us bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(7300001);
  now_us := (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;
  UPDATE clock_floor SET ts_us = greatest(ts_us, now_us);
  RETURN now_us;
END $$;

-- Heads committed but not yet announced on Redis (normally none or one).
CREATE INDEX IF NOT EXISTS interval_unannounced ON interval (idx) WHERE NOT announced;
