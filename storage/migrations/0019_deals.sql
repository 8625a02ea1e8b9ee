-- Deals become first-class: pipelines and their stages, deals grown from
-- master_deals (rows and lead links kept), the history of every stage a
-- deal entered, notes on deals, leads, contacts and companies, and the
-- state of the Pipedrive mirror.

CREATE TABLE pipelines (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  order_nr integer NOT NULL DEFAULT 0,
  -- Pipedrive's is_deal_probability_enabled: without it a deal's weighted
  -- value is its value.
  uses_probability boolean NOT NULL DEFAULT true,
  pipedrive_id bigint UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);

CREATE TABLE stages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  pipeline_id uuid NOT NULL REFERENCES pipelines (id),
  name text NOT NULL,
  order_nr integer NOT NULL DEFAULT 0,
  probability smallint CHECK (probability BETWEEN 0 AND 100),
  rot_enabled boolean NOT NULL DEFAULT false,
  days_to_rotten integer CHECK (days_to_rotten > 0),
  order_received boolean NOT NULL DEFAULT false,
  -- The compliance checklist: deal fields (or custom_fields.<key>) a deal in
  -- this stage must have.
  required_fields jsonb NOT NULL DEFAULT '[]',
  pipedrive_id bigint UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX idx_stages_pipeline_id ON stages (pipeline_id, order_nr);

-- Pipedrive's users: deal owners who may have no crmd account, resolved to
-- their name even when Pipedrive deactivated them.
CREATE TABLE pipedrive_users (
  pipedrive_id bigint PRIMARY KEY,
  name text NOT NULL,
  email citext,
  active boolean NOT NULL DEFAULT true,
  user_id uuid REFERENCES users (id),  -- the crmd user of the same e-mail
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_pipedrive_users_user_id ON pipedrive_users (user_id);

ALTER TABLE contacts ADD COLUMN pipedrive_id bigint UNIQUE;
ALTER TABLE companies ADD COLUMN pipedrive_id bigint UNIQUE;

INSERT INTO pipelines (name, order_nr) VALUES ('Sales', 1);
INSERT INTO stages (pipeline_id, name, order_nr, probability)
SELECT p.id, s.name, s.order_nr, s.probability
FROM pipelines p,
     (VALUES ('Qualified', 1, 25), ('Proposal', 2, 50), ('Negotiation', 3, 75), ('Won', 4, 100))
       AS s (name, order_nr, probability)
WHERE p.name = 'Sales';

ALTER TABLE master_deals RENAME TO deals;
ALTER TABLE deals RENAME COLUMN client_name TO title;
ALTER INDEX idx_master_deals_company_id RENAME TO idx_deals_company_id;
ALTER INDEX idx_master_deals_created_by RENAME TO idx_deals_created_by;
ALTER INDEX idx_master_deals_lead_id_live RENAME TO idx_deals_lead_id_live;
ALTER TABLE deals
  ADD COLUMN value numeric(18, 2),
  ADD COLUMN currency text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
  ADD COLUMN status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost')),
  ADD COLUMN pipeline_id uuid REFERENCES pipelines (id),
  ADD COLUMN stage_id uuid REFERENCES stages (id),
  ADD COLUMN owner_id uuid REFERENCES users (id),
  ADD COLUMN pipedrive_owner_id bigint REFERENCES pipedrive_users (pipedrive_id),
  ADD COLUMN contact_id uuid REFERENCES contacts (id) ON DELETE SET NULL,
  ADD COLUMN expected_close_date date,
  ADD COLUMN probability smallint CHECK (probability BETWEEN 0 AND 100),
  ADD COLUMN lost_reason text,
  ADD COLUMN add_time timestamptz NOT NULL DEFAULT now(),
  -- The last change to the deal as its users know it (Pipedrive's
  -- update_time for a mirrored deal): what rotting counts from.
  ADD COLUMN update_time timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN stage_change_time timestamptz,
  -- When the deal entered its current stage: its last history entry, else
  -- stage_change_time, else add_time (kept with each move).
  ADD COLUMN stage_entered_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN won_time timestamptz,
  ADD COLUMN lost_time timestamptz,
  ADD COLUMN close_time timestamptz,
  ADD COLUMN custom_fields jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN pipedrive_id bigint UNIQUE,
  ADD COLUMN archived_at timestamptz,
  ADD COLUMN deleted_by uuid REFERENCES users (id),
  ADD COLUMN delete_reason text;

UPDATE deals d SET
  pipeline_id = (SELECT id FROM pipelines WHERE name = 'Sales'),
  stage_id = (SELECT s.id FROM stages s JOIN pipelines p ON p.id = s.pipeline_id
              WHERE p.name = 'Sales' AND s.name = 'Qualified'),
  owner_id = coalesce(d.created_by, (SELECT l.owner_user_id FROM leads l WHERE l.id = d.lead_id)),
  add_time = d.created_at,
  update_time = d.updated_at,
  stage_entered_at = d.created_at;
ALTER TABLE deals ALTER COLUMN pipeline_id SET NOT NULL, ALTER COLUMN stage_id SET NOT NULL;

CREATE INDEX idx_deals_pipeline_id ON deals (pipeline_id);
CREATE INDEX idx_deals_stage_id ON deals (stage_id);
CREATE INDEX idx_deals_owner_id ON deals (owner_id);
CREATE INDEX idx_deals_pipedrive_owner_id ON deals (pipedrive_owner_id);
CREATE INDEX idx_deals_contact_id ON deals (contact_id);
CREATE INDEX idx_deals_deleted_by ON deals (deleted_by);
CREATE INDEX idx_deals_created_at ON deals (created_at, id) WHERE deleted_at IS NULL;
-- The read models' ranges, over open deals only.
CREATE INDEX idx_deals_open_close_date ON deals (pipeline_id, expected_close_date, id)
  WHERE status = 'open' AND deleted_at IS NULL;
CREATE INDEX idx_deals_open_stage_entered ON deals (stage_id, stage_entered_at, id)
  WHERE status = 'open' AND deleted_at IS NULL;
CREATE INDEX idx_deals_open_update_time ON deals (stage_id, update_time, id)
  WHERE status = 'open' AND deleted_at IS NULL;
CREATE INDEX idx_deals_won_time ON deals (won_time) WHERE status = 'won' AND deleted_at IS NULL;
CREATE INDEX idx_deals_lost_time ON deals (lost_time) WHERE status = 'lost' AND deleted_at IS NULL;
CREATE INDEX idx_deals_title_trgm ON deals USING gin (lower(title) gin_trgm_ops);
CREATE INDEX idx_contacts_full_name_trgm ON contacts USING gin (lower(full_name) gin_trgm_ops);

CREATE TABLE deal_stage_history (
  id bigserial PRIMARY KEY,
  deal_id uuid NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
  pipeline_id uuid NOT NULL REFERENCES pipelines (id),
  stage_id uuid NOT NULL REFERENCES stages (id),
  entered_at timestamptz NOT NULL,
  left_at timestamptz,
  entered_by uuid REFERENCES users (id),
  CHECK (left_at IS NULL OR left_at >= entered_at)
);
CREATE INDEX idx_deal_stage_history_deal_id ON deal_stage_history (deal_id, entered_at, id);
CREATE UNIQUE INDEX idx_deal_stage_history_current ON deal_stage_history (deal_id)
  WHERE left_at IS NULL;
CREATE INDEX idx_deal_stage_history_stage_id ON deal_stage_history (stage_id);
CREATE INDEX idx_deal_stage_history_pipeline_id ON deal_stage_history (pipeline_id);
CREATE INDEX idx_deal_stage_history_entered_by ON deal_stage_history (entered_by);
CREATE INDEX idx_deal_stage_history_entered_at ON deal_stage_history (entered_at);

INSERT INTO deal_stage_history (deal_id, pipeline_id, stage_id, entered_at, entered_by)
SELECT id, pipeline_id, stage_id, stage_entered_at, created_by FROM deals;

CREATE TABLE notes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entity_type text NOT NULL CHECK (entity_type IN ('deal', 'lead', 'contact', 'company')),
  entity_id uuid NOT NULL,
  content text NOT NULL,       -- as written (HTML allowed)
  content_text text NOT NULL,  -- for display: tags stripped, entities decoded
  author_id uuid REFERENCES users (id),
  pipedrive_id bigint UNIQUE,
  pipedrive_author_id bigint REFERENCES pipedrive_users (pipedrive_id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX idx_notes_entity ON notes (entity_type, entity_id, created_at DESC, id DESC)
  WHERE deleted_at IS NULL;
CREATE INDEX idx_notes_author_id ON notes (author_id);
CREATE INDEX idx_notes_pipedrive_author_id ON notes (pipedrive_author_id);

-- Seed 004 §4.3, one row per synced entity, plus what resumes a run.
CREATE TABLE sync_metadata (
  id serial PRIMARY KEY,
  entity_type text NOT NULL UNIQUE,  -- users, pipelines, stages, organizations, persons, deals, ...
  last_sync_time timestamptz,
  last_sync_duration_ms integer NOT NULL DEFAULT 0,
  records_synced integer NOT NULL DEFAULT 0,
  status text NOT NULL DEFAULT 'never'
    CHECK (status IN ('never', 'success', 'failed', 'in_progress')),
  error_message text,
  mode text CHECK (mode IN ('full', 'incremental')),
  -- The greatest update_time stored; the next incremental run asks from it
  -- less an overlap.
  watermark timestamptz,
  -- A run's position, stored with each page: where a crashed run resumes.
  cursor text,
  run_started_at timestamptz,
  run_since timestamptz,  -- the updated_since the run in progress asks with
  last_reconciled_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row: the cross-process lock of the Pipedrive sync and what Pipedrive's
-- rate limits last said.
CREATE TABLE pipedrive_sync_state (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  lease_owner text,
  lease_until timestamptz,
  paused_until timestamptz,
  pause_reason text,
  rate_limit jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO pipedrive_sync_state DEFAULT VALUES;

-- Every process's deals actor empties its cache of pipelines and stages,
-- and of the read models, on these.
CREATE FUNCTION notify_deal_reference() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('crmd_deal_reference', '');
  RETURN NULL;
END $$;
CREATE TRIGGER pipelines_notify AFTER INSERT OR UPDATE OR DELETE ON pipelines
  FOR EACH STATEMENT EXECUTE FUNCTION notify_deal_reference();
CREATE TRIGGER stages_notify AFTER INSERT OR UPDATE OR DELETE ON stages
  FOR EACH STATEMENT EXECUTE FUNCTION notify_deal_reference();

CREATE FUNCTION notify_deals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('crmd_deals', '');
  RETURN NULL;
END $$;
CREATE TRIGGER deals_notify AFTER INSERT OR UPDATE OR DELETE ON deals
  FOR EACH STATEMENT EXECUTE FUNCTION notify_deals();
