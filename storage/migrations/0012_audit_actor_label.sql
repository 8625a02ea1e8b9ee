-- Who made a change when the actor has no users row: API keys are named
-- write_key:<prefix>, the configured v1 key write_key:configured.
ALTER TABLE audit_logs ADD COLUMN actor_label text;
