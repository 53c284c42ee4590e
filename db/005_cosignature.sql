-- unchanging.ink schema, version 5: witness cosignatures of heads
-- (docs/witness.md). One row per head and witness key, kept for ever as the
-- heads are; the backend checks each signature before it stores it.
CREATE TABLE IF NOT EXISTS cosignature (
  idx         bigint NOT NULL REFERENCES interval (idx),
  witness_key text NOT NULL CHECK (witness_key ~ '^[0-9a-f]{16}$'),
  signature   bytea NOT NULL CHECK (length(signature) = 64),
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (idx, witness_key)
);
-- The newest head a witness cosigned (quorum look-ups go newest first).
CREATE INDEX IF NOT EXISTS cosignature_by_witness ON cosignature (witness_key, idx DESC);
