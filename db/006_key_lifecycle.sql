-- unchanging.ink schema, version 6: the key lifecycle (docs/keys.md).
--
-- A key transition hands the signing of heads from one key to the next at
-- interval idx, the first head the new key signs. The worker writes it in
-- the same transaction as that head (transition first: the reference to the
-- interval is checked at COMMIT), so a rotation either happened with its
-- first head or not at all. Each key hands over at most once and is handed
-- to at most once: the transitions form one chain.
CREATE TABLE IF NOT EXISTS key_transition (
  idx              bigint PRIMARY KEY
                   REFERENCES interval (idx) DEFERRABLE INITIALLY DEFERRED,
  old_key_id       text NOT NULL UNIQUE REFERENCES signing_key (key_id),
  new_key_id       text NOT NULL UNIQUE REFERENCES signing_key (key_id),
  signature        bytea NOT NULL CHECK (length(signature) = 64),         -- by the old key
  countersignature bytea NOT NULL CHECK (length(countersignature) = 64),  -- by the new key
  created_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (old_key_id <> new_key_id)
);

-- A compromised key: heads after after_idx signed by it are not to be
-- trusted. Signed by a later key of the chain (signer_key_id).
CREATE TABLE IF NOT EXISTS key_revocation (
  key_id        text PRIMARY KEY REFERENCES signing_key (key_id),
  after_idx     bigint NOT NULL CHECK (after_idx >= 0),
  signer_key_id text NOT NULL REFERENCES signing_key (key_id),
  signature     bytea NOT NULL CHECK (length(signature) = 64),
  created_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (key_id <> signer_key_id)
);

-- A transition starts after the newest head, from the key that signed it,
-- to a key that has signed nothing yet.
CREATE OR REPLACE FUNCTION ink_check_key_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  newest record;
BEGIN
  SELECT idx, key_id INTO newest FROM interval ORDER BY idx DESC LIMIT 1;
  IF newest.idx IS NULL OR NEW.idx <> newest.idx + 1 OR newest.key_id <> NEW.old_key_id THEN
    RAISE EXCEPTION 'key transition at interval % from key % does not follow the newest head',
      NEW.idx, NEW.old_key_id USING ERRCODE = 'check_violation';
  END IF;
  IF EXISTS (SELECT 1 FROM interval WHERE key_id = NEW.new_key_id) THEN
    RAISE EXCEPTION 'key % has signed heads already', NEW.new_key_id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS key_transition_follows_head ON key_transition;
CREATE TRIGGER key_transition_follows_head BEFORE INSERT ON key_transition
  FOR EACH ROW EXECUTE FUNCTION ink_check_key_transition();

-- No head is ever stored signed by a key outside its range: not by a key
-- after it handed over, not by a key before its transition, not by a revoked
-- key after its revocation index.
CREATE OR REPLACE FUNCTION ink_check_head_key() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM key_transition WHERE old_key_id = NEW.key_id AND idx <= NEW.idx)
     OR EXISTS (SELECT 1 FROM key_transition WHERE new_key_id = NEW.key_id AND idx > NEW.idx)
     OR EXISTS (SELECT 1 FROM key_revocation WHERE key_id = NEW.key_id AND after_idx < NEW.idx) THEN
    RAISE EXCEPTION 'head % would be signed by key % outside its range', NEW.idx, NEW.key_id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS interval_key_in_range ON interval;
CREATE TRIGGER interval_key_in_range BEFORE INSERT ON interval
  FOR EACH ROW EXECUTE FUNCTION ink_check_head_key();
