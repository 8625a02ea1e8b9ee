-- The audit log becomes the event log (DESIGN "Events"). A row that records
-- a change carries its event type (contact.created...; NULL for rows that
-- are audit only, such as sign-ins) and the names of the fields it changed.
-- txid is the writing transaction's id: readers serve only rows whose
-- transaction is older than their snapshot's xmin, in (txid, id) order, a
-- set that no later commit can add to, so a cursor over it has no gaps.
ALTER TABLE audit_logs
  ADD COLUMN event_type text,
  ADD COLUMN changed text[],
  ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX idx_audit_logs_txid_id ON audit_logs (txid, id) WHERE event_type IS NOT NULL;
CREATE INDEX idx_audit_logs_at ON audit_logs (at) WHERE event_type IS NOT NULL;

-- Where retention has pruned the feed to: a cursor before it answers 410.
CREATE TABLE event_log_state (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  pruned_txid xid8 NOT NULL DEFAULT '0',
  pruned_id bigint NOT NULL DEFAULT 0
);
INSERT INTO event_log_state DEFAULT VALUES;

-- One NOTIFY per committing transaction that wrote events (PostgreSQL folds
-- identical notifications of a transaction into one), so feed readers and
-- webhook workers wake at once, in every process.
CREATE FUNCTION audit_logs_notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_rows WHERE event_type IS NOT NULL) THEN
    PERFORM pg_notify('crmd_events', '');
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER audit_logs_events AFTER INSERT ON audit_logs
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_notify_events();
