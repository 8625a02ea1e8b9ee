-- Activities are logged through the API now (POST /api/v2/leads/{id}/activities:
-- a call, a note; the e-mail and calendar modules will add theirs): a uuid
-- key like every other resource, what happened and who logged it. Nothing
-- wrote the table before, so the key's type changes in place.
ALTER TABLE lead_activities ALTER COLUMN id DROP DEFAULT;
DROP SEQUENCE lead_activities_id_seq;
ALTER TABLE lead_activities ALTER COLUMN id TYPE uuid USING gen_random_uuid();
ALTER TABLE lead_activities ALTER COLUMN id SET DEFAULT gen_random_uuid();
ALTER TABLE lead_activities
  ADD COLUMN summary text CHECK (length(summary) <= 2000),
  ADD COLUMN created_by uuid REFERENCES users (id) ON DELETE SET NULL;

-- A lead's activities newest first, id breaking ties, for the keyset pages.
DROP INDEX idx_lead_activities_lead_id_occurred_at;
CREATE INDEX idx_lead_activities_lead_page ON lead_activities (lead_id, occurred_at, id);
