-- unchanging.ink schema, version 1.
-- Clock readings are bigint microseconds since the Unix epoch (UTC), taken
-- from the database server's clock_timestamp(), the one clock of the system.

CREATE TABLE IF NOT EXISTS signing_key (
  key_id      text PRIMARY KEY,            -- first 8 bytes of H(public key), hex
  public_key  bytea NOT NULL CHECK (length(public_key) = 32),
  algorithm   text NOT NULL DEFAULT 'ed25519',
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per accepted ts. Never updated. The interval a ts belongs to is
-- given by its clock reading: interval i holds every ts with
-- interval[i-1].ts_us < ts_us <= interval[i].ts_us (see ink_insert_ts).
-- Rows are proof records: deleted after the retention period.
CREATE TABLE IF NOT EXISTS ts (
  id     uuid PRIMARY KEY,                 -- UUIDv7: time-ordered, cheap index inserts
  ts_us  bigint NOT NULL,
  hash   bytea NOT NULL CHECK (length(hash) = 32),
  tag    text CHECK (tag IS NULL OR char_length(tag) <= 36)
);
CREATE INDEX IF NOT EXISTS ts_by_clock ON ts (ts_us, hash);

-- One row per interval, for ever. The UNIQUE/PRIMARY KEY on idx and the
-- foreign key to the previous interval make a fork or a gap impossible.
CREATE TABLE IF NOT EXISTS interval (
  idx               bigint PRIMARY KEY CHECK (idx >= 0),
  prev_idx          bigint UNIQUE REFERENCES interval (idx)
                    CHECK ((idx = 0 AND prev_idx IS NULL) OR prev_idx = idx - 1),
  ts_us             bigint NOT NULL UNIQUE,
  ts_count          bigint NOT NULL,
  ith               bytea NOT NULL CHECK (length(ith) = 32),
  ihash             bytea NOT NULL CHECK (length(ihash) = 32),
  mth               bytea NOT NULL CHECK (length(mth) = 32),
  inclusion_a       bigint NOT NULL,
  inclusion_nodes   bytea NOT NULL,      -- concatenated 32-byte hashes
  consistency_nodes bytea,               -- from idx - 1; NULL for idx 0
  signature         bytea NOT NULL CHECK (length(signature) = 64),
  key_id            text NOT NULL REFERENCES signing_key (key_id),
  announced         boolean NOT NULL DEFAULT false,
  created_at        timestamptz NOT NULL DEFAULT now(),
  CHECK ((idx = 0) = (prev_idx IS NULL))
);

-- Interval tree levels, for serving each ts its (a, path): level 0 holds the
-- leaf nodes in protocol order; level k, position j the root over leaves
-- [j << k, min((j + 1) << k, n)). Concatenated 32-byte hashes, stored
-- uncompressed so substring reads touch only the pages they need.
-- Proof records: deleted with the ts after the retention period.
CREATE TABLE IF NOT EXISTS interval_level (
  idx    bigint NOT NULL REFERENCES interval (idx),
  level  smallint NOT NULL,
  nodes  bytea NOT NULL,
  PRIMARY KEY (idx, level)
);
ALTER TABLE interval_level ALTER COLUMN nodes SET STORAGE EXTERNAL;

-- Where each ts sits in its interval tree (written by the worker in the
-- interval's transaction); deleted with the ts.
CREATE TABLE IF NOT EXISTS ts_leaf (
  id    uuid PRIMARY KEY,
  idx   bigint NOT NULL,
  leaf  bigint NOT NULL
);

-- Perfect-subtree nodes of the main tree: level L, index k covers leaves
-- [k << L, (k + 1) << L). Kept for ever.
CREATE TABLE IF NOT EXISTS mth_node (
  level  smallint NOT NULL,
  k      bigint NOT NULL,
  hash   bytea NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, k)
);

-- Inserts ts rows with the database clock. The shared advisory lock pairs
-- with the worker's exclusive one (ink_close_clock): once the worker holds
-- it, every insert that read the clock before has committed or aborted, and
-- every later insert reads a later clock, so an interval's range of clock
-- readings is complete when the worker reads it.
CREATE OR REPLACE FUNCTION ink_insert_ts(ids uuid[], hashes bytea[], tags text[])
RETURNS TABLE (id uuid, ts_us bigint) LANGUAGE plpgsql AS $$
DECLARE
  now_us bigint;
BEGIN
  PERFORM pg_advisory_xact_lock_shared(7300001);
  now_us := (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;
  RETURN QUERY
    INSERT INTO ts AS t (id, ts_us, hash, tag)
    SELECT u.id, now_us, u.hash, u.tag
    FROM unnest(ids, hashes, tags) AS u(id, hash, tag)
    RETURNING t.id, t.ts_us;
END $$;

-- The worker's clock reading for closing an interval: waits for in-flight
-- ts inserts (see ink_insert_ts) and returns a reading later than all of them.
CREATE OR REPLACE FUNCTION ink_close_clock() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7300001);
  RETURN (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;
END $$;
