-- unchanging.ink schema, version 4: the clock rule for new ts in one place.
--
-- ink_ts_clock() is the reading a new ts gets: it takes the clock lock shared
-- (it pairs with ink_close_clock()'s exclusive lock, so once the worker holds
-- it every reading handed out before belongs to a committed or rolled-back
-- transaction) and returns the server clock, but always above the clock
-- floor (db/002). Call it inside the transaction that inserts the ts: the
-- lock is held until that transaction ends. The backend calls it directly
-- (the ts hash covers the reading, so it needs the reading before it can
-- hash); ink_insert_ts() uses it too.
CREATE OR REPLACE FUNCTION ink_ts_clock() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(7300001);
  RETURN greatest((extract(epoch FROM clock_timestamp()) * 1000000)::bigint,
                  (SELECT f.ts_us + 1 FROM clock_floor f));
END $$;

-- Same contract as version 2, with the reading from ink_ts_clock().
CREATE OR REPLACE FUNCTION ink_insert_ts(ids uuid[], hashes bytea[], tags text[])
RETURNS TABLE (id uuid, ts_us bigint) LANGUAGE plpgsql AS $$
DECLARE
  now_us bigint := ink_ts_clock();
BEGIN
  RETURN QUERY
    INSERT INTO ts AS t (id, ts_us, hash, tag)
    SELECT u.id, now_us, u.hash, u.tag
    FROM unnest(ids, hashes, tags) AS u(id, hash, tag)
    RETURNING t.id, t.ts_us;
END $$;
