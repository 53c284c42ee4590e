-- unchanging.ink schema, version 3: the worker lease, so that a hung worker
-- (stopped, swapped out, stuck) cannot halt sequencing for ever.
--
-- The active worker holds the session advisory lock 7300100 AND the lease:
-- a fencing token (epoch) that it renews every interval with the database
-- clock. A standby that finds the lease expired terminates the holder's
-- recorded sessions (which releases the advisory lock and aborts any open
-- transaction) and claims the lease with the next epoch. Every interval
-- transaction re-reads the epoch FOR SHARE just before COMMIT, so a worker
-- that was fenced can never commit, even if the fence lands between its
-- last check and its COMMIT: the claim waits for that row lock, and once
-- the claim commits the old epoch no longer matches.

CREATE TABLE IF NOT EXISTS worker_lease (
  singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  epoch       bigint NOT NULL,   -- the fencing token: +1 at every claim
  holder      text NOT NULL,     -- "host:pid" of the claiming worker (for logs)
  renewed_us  bigint NOT NULL,   -- database clock at the last renewal
  expires_us  bigint NOT NULL    -- database clock after which a standby may fence
);
INSERT INTO worker_lease (singleton, epoch, holder, renewed_us, expires_us)
  VALUES (true, 0, '', 0, 0) ON CONFLICT (singleton) DO NOTHING;

-- The database sessions of the lease holder (its lock connection and its
-- sequencing connection), identified by pid AND start time so that a pid
-- reused by another session is never terminated.
CREATE TABLE IF NOT EXISTS worker_session (
  pid            integer NOT NULL,
  backend_start  timestamptz NOT NULL,
  epoch          bigint NOT NULL,
  PRIMARY KEY (pid, backend_start)
);

-- Terminates the recorded worker sessions other than the caller's whose
-- epoch is below `below_epoch`, waiting (up to 5 s each) until they are gone.
-- Returns how many were terminated. Sessions that ended already are skipped.
CREATE OR REPLACE FUNCTION ink_lease_terminate(below_epoch bigint)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  n integer := 0;
  s record;
BEGIN
  FOR s IN
    SELECT a.pid FROM pg_stat_activity a
    JOIN worker_session w ON w.pid = a.pid AND w.backend_start = a.backend_start
    WHERE w.epoch < below_epoch AND a.pid <> pg_backend_pid()
  LOOP
    IF pg_terminate_backend(s.pid, 5000) THEN n := n + 1; END IF;
  END LOOP;
  RETURN n;
END $$;

-- Takes the worker lock and the lease in one statement, so that a worker
-- stopped at any moment is either not the holder or is recorded as one
-- (and can be fenced). Returns no row when another session holds the lock.
-- The previous holder's sessions are terminated first: it lost its lock
-- connection, but its sequencing connection may still be alive.
-- On an error after the lock was taken the caller must close the connection
-- (a session advisory lock outlives the failed transaction).
CREATE OR REPLACE FUNCTION ink_lease_claim(new_holder text, lease_us bigint)
RETURNS TABLE (new_epoch bigint, old_epoch bigint, old_holder text)
LANGUAGE plpgsql AS $$
DECLARE
  now_us bigint;
  old record;
BEGIN
  IF NOT pg_try_advisory_lock(7300100) THEN RETURN; END IF;
  -- Before the row lock (an old session may hold it) and after it (a
  -- session that joined meanwhile).
  PERFORM ink_lease_terminate(9223372036854775807);
  SELECT l.epoch, l.holder INTO old FROM worker_lease l FOR UPDATE;
  PERFORM ink_lease_terminate(9223372036854775807);
  now_us := (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;
  UPDATE worker_lease l SET epoch = l.epoch + 1, holder = new_holder,
         renewed_us = now_us, expires_us = now_us + lease_us;
  DELETE FROM worker_session;
  INSERT INTO worker_session (pid, backend_start, epoch)
    SELECT a.pid, a.backend_start, old.epoch + 1 FROM pg_stat_activity a
    WHERE a.pid = pg_backend_pid();
  RETURN QUERY SELECT old.epoch + 1, old.epoch, old.holder;
END $$;

-- Records the caller's session as one of the holder's (its sequencing
-- connection). False when `holder_epoch` is no longer the lease's: fenced.
CREATE OR REPLACE FUNCTION ink_lease_join(holder_epoch bigint)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM worker_lease l WHERE l.epoch = holder_epoch FOR SHARE;
  IF NOT FOUND THEN RETURN false; END IF;
  INSERT INTO worker_session (pid, backend_start, epoch)
    SELECT a.pid, a.backend_start, holder_epoch FROM pg_stat_activity a
    WHERE a.pid = pg_backend_pid()
    ON CONFLICT (pid, backend_start) DO UPDATE SET epoch = excluded.epoch;
  RETURN true;
END $$;

-- The heartbeat: extends the lease by lease_us from now (database clock).
-- False when `holder_epoch` is no longer the lease's: fenced.
CREATE OR REPLACE FUNCTION ink_lease_renew(holder_epoch bigint, lease_us bigint)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  now_us bigint := (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;
BEGIN
  UPDATE worker_lease l SET renewed_us = now_us, expires_us = now_us + lease_us
    WHERE l.epoch = holder_epoch;
  RETURN FOUND;
END $$;

-- A standby's fence: if the lease of `seen_epoch` is still the current one
-- and has expired by the database clock, terminates its holder's sessions
-- (which releases the worker lock and aborts the holder's open transaction).
-- Returns the number of sessions terminated, or NULL when the lease was
-- renewed or claimed meanwhile. The caller then claims with ink_lease_claim.
CREATE OR REPLACE FUNCTION ink_lease_fence(seen_epoch bigint)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  now_us bigint := (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;
BEGIN
  PERFORM 1 FROM worker_lease l WHERE l.epoch = seen_epoch AND l.expires_us < now_us;
  IF NOT FOUND THEN RETURN NULL; END IF;
  RETURN ink_lease_terminate(seen_epoch + 1);
END $$;
