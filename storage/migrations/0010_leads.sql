-- Leads: reference data (statuses, origins), tags, the leads themselves with
-- their contacts and activity stats, the master deals a qualification makes,
-- and the record of scheduled runs.

CREATE TABLE lead_statuses (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE,
  label text NOT NULL,
  description text,
  is_active boolean NOT NULL DEFAULT true,
  sort_order integer NOT NULL DEFAULT 0,
  -- Days without an interaction before a lead in this status breaches its
  -- SLA; NULL: no SLA.
  sla_days integer CHECK (sla_days IS NULL OR sla_days > 0),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE lead_origins (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE,
  label text NOT NULL,
  description text,
  is_active boolean NOT NULL DEFAULT true,
  sort_order integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO lead_statuses (code, label, description, sort_order, sla_days) VALUES
  ('NEW', 'New', 'Not contacted yet', 10, 2),
  ('CONTACTED', 'Contacted', 'First contact made', 20, 7),
  ('NURTURING', 'Nurturing', 'Kept warm until ready', 30, 30),
  ('QUALIFIED', 'Qualified', 'Ready to become a deal', 40, 7),
  ('LOST', 'Lost', 'No longer pursued', 50, NULL);

INSERT INTO lead_origins (code, label, description, sort_order) VALUES
  ('WEBSITE', 'Website', 'Inbound from the web site', 10),
  ('REFERRAL', 'Referral', 'Referred by a client or partner', 20),
  ('COLD_CALL', 'Cold call', 'Outbound prospecting', 30),
  ('EVENT', 'Event', 'Met at an event', 40),
  ('PARTNER', 'Partner', 'Brought by a partner', 50),
  ('IMPORT', 'Import', 'Imported from a file', 60),
  ('OTHER', 'Other', NULL, 70);

-- Every process caches statuses and origins: any change tells them all.
CREATE FUNCTION lead_reference_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('crmd_lead_reference', TG_TABLE_NAME);
  RETURN NULL;
END $$;
CREATE TRIGGER lead_statuses_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON lead_statuses
  FOR EACH STATEMENT EXECUTE FUNCTION lead_reference_notify();
CREATE TRIGGER lead_origins_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON lead_origins
  FOR EACH STATEMENT EXECUTE FUNCTION lead_reference_notify();

CREATE TABLE tags (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name citext NOT NULL UNIQUE,
  color text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE leads (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  legal_name text NOT NULL,  -- "title" in the API
  trade_name text,
  lead_status_id uuid REFERENCES lead_statuses (id),
  lead_origin_id uuid REFERENCES lead_origins (id),
  owner_user_id uuid REFERENCES users (id),
  qualified_company_id uuid REFERENCES companies (id),
  qualified_master_deal_id uuid,  -- REFERENCES master_deals, added below
  address_city text,
  address_state text,
  last_interaction_at timestamptz,
  priority_score integer NOT NULL DEFAULT 0 CHECK (priority_score BETWEEN 0 AND 100),
  disqualified_at timestamptz,
  disqualification_reason text,
  qualified_at timestamptz,
  -- Set by the SLA worker while the lead has gone too long without an
  -- interaction for its status; cleared once it has one again.
  sla_breached_at timestamptz,
  -- Copies kept by triggers (below) for the sales view, which reads them
  -- with the row instead of two lookups a lead: the names of the lead's
  -- tags, sorted, and its primary contact (the flagged live one, else the
  -- earliest added live one).
  tag_names text[] NOT NULL DEFAULT '{}',
  primary_contact_id uuid REFERENCES contacts (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  deleted_by uuid REFERENCES users (id),
  delete_reason text
);
CREATE INDEX idx_leads_lead_status_id ON leads (lead_status_id);
CREATE INDEX idx_leads_lead_origin_id ON leads (lead_origin_id);
CREATE INDEX idx_leads_owner_user_id ON leads (owner_user_id, created_at);
CREATE INDEX idx_leads_qualified_company_id ON leads (qualified_company_id);
CREATE INDEX idx_leads_qualified_master_deal_id ON leads (qualified_master_deal_id);
CREATE INDEX idx_leads_deleted_by ON leads (deleted_by);
CREATE INDEX idx_leads_primary_contact_id ON leads (primary_contact_id);
CREATE INDEX idx_leads_last_interaction_at ON leads (last_interaction_at);
CREATE INDEX idx_leads_disqualified_at ON leads (disqualified_at);
CREATE INDEX idx_leads_qualified_at ON leads (qualified_at);
CREATE INDEX idx_leads_deleted_at ON leads (deleted_at);
CREATE INDEX idx_leads_created_at_id ON leads (created_at, id);
CREATE INDEX idx_leads_updated_at_id ON leads (updated_at, id);
CREATE INDEX idx_leads_priority_score_id ON leads (priority_score, id);
CREATE INDEX idx_leads_legal_name_trgm ON leads USING gin (lower(legal_name || ' ' || coalesce(trade_name, '')) gin_trgm_ops);
-- The sales view: live, unqualified, not disqualified leads by priority,
-- then last interaction; for everyone (managers) and per owner (sales).
CREATE INDEX idx_leads_sales_view ON leads (priority_score DESC,
  (coalesce(last_interaction_at, '-infinity'::timestamptz)) DESC, id DESC)
  WHERE deleted_at IS NULL AND qualified_at IS NULL AND disqualified_at IS NULL;
CREATE INDEX idx_leads_sales_view_owner ON leads (owner_user_id, priority_score DESC,
  (coalesce(last_interaction_at, '-infinity'::timestamptz)) DESC, id DESC)
  WHERE deleted_at IS NULL AND qualified_at IS NULL AND disqualified_at IS NULL;
CREATE INDEX idx_leads_sla_breached_at ON leads (sla_breached_at) WHERE sla_breached_at IS NOT NULL;

CREATE TABLE master_deals (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  client_name text NOT NULL,  -- "title" in the API
  company_id uuid REFERENCES companies (id),
  lead_id uuid REFERENCES leads (id),  -- the lead it was qualified from
  created_by uuid REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX idx_master_deals_company_id ON master_deals (company_id);
CREATE INDEX idx_master_deals_created_by ON master_deals (created_by);
-- A lead makes at most one live deal, however many qualify requests race.
CREATE UNIQUE INDEX idx_master_deals_lead_id_live ON master_deals (lead_id) WHERE deleted_at IS NULL;
ALTER TABLE leads ADD CONSTRAINT leads_qualified_master_deal_id_fkey
  FOREIGN KEY (qualified_master_deal_id) REFERENCES master_deals (id);

CREATE TABLE lead_tags (
  lead_id uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
  tag_id uuid NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (lead_id, tag_id)
);
CREATE INDEX idx_lead_tags_tag_id ON lead_tags (tag_id);

CREATE TABLE lead_contacts (
  lead_id uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
  contact_id uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  is_primary boolean NOT NULL DEFAULT false,
  added_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (lead_id, contact_id)
);
CREATE INDEX idx_lead_contacts_contact_id ON lead_contacts (contact_id);
-- At most one primary contact per lead.
CREATE UNIQUE INDEX idx_lead_contacts_primary ON lead_contacts (lead_id) WHERE is_primary;
-- A lead's primary contact (flagged, else the earliest added) is the first
-- entry of this index: the sales view reads one entry a lead, no sort.
CREATE INDEX idx_lead_contacts_primary_first ON lead_contacts (lead_id, is_primary DESC, added_at, contact_id);

CREATE TABLE lead_activity_stats (
  lead_id uuid PRIMARY KEY REFERENCES leads (id) ON DELETE CASCADE,
  engagement_score integer NOT NULL DEFAULT 0,
  last_interaction_at timestamptz,
  last_email_at timestamptz,
  last_event_at timestamptz,
  total_emails integer NOT NULL DEFAULT 0,
  total_events integer NOT NULL DEFAULT 0,
  total_interactions integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- leads.tag_names and leads.primary_contact_id follow lead_tags, tags,
-- lead_contacts and contacts, whichever way they are written. Statement
-- triggers with transition tables: a bulk change refreshes each lead once.
CREATE FUNCTION leads_refresh_tag_names(ids uuid[]) RETURNS void LANGUAGE sql AS $$
  UPDATE leads l SET tag_names = n.names
  FROM (SELECT i.id, ARRAY(SELECT t.name::text FROM lead_tags lt JOIN tags t ON t.id = lt.tag_id
                           WHERE lt.lead_id = i.id ORDER BY t.name) AS names
        FROM unnest(ids) AS i (id)) n
  WHERE l.id = n.id AND l.tag_names IS DISTINCT FROM n.names;
$$;

CREATE FUNCTION leads_refresh_primary_contact(ids uuid[]) RETURNS void LANGUAGE sql AS $$
  UPDATE leads l SET primary_contact_id = p.contact_id
  FROM (SELECT i.id, (SELECT lc.contact_id FROM lead_contacts lc JOIN contacts c
                        ON c.id = lc.contact_id AND c.deleted_at IS NULL
                      WHERE lc.lead_id = i.id
                      ORDER BY lc.is_primary DESC, lc.added_at, lc.contact_id LIMIT 1) AS contact_id
        FROM unnest(ids) AS i (id)) p
  WHERE l.id = p.id AND l.primary_contact_id IS DISTINCT FROM p.contact_id;
$$;

CREATE FUNCTION lead_tags_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM leads_refresh_tag_names(ARRAY(SELECT DISTINCT lead_id FROM added));
  RETURN NULL;
END $$;
CREATE FUNCTION lead_tags_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM leads_refresh_tag_names(ARRAY(SELECT DISTINCT lead_id FROM removed));
  RETURN NULL;
END $$;
CREATE TRIGGER lead_tags_inserted AFTER INSERT ON lead_tags REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION lead_tags_added();
CREATE TRIGGER lead_tags_deleted AFTER DELETE ON lead_tags REFERENCING OLD TABLE AS removed
  FOR EACH STATEMENT EXECUTE FUNCTION lead_tags_removed();

CREATE FUNCTION tags_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM leads_refresh_tag_names(ARRAY(SELECT lead_id FROM lead_tags WHERE tag_id = NEW.id));
  RETURN NULL;
END $$;
CREATE TRIGGER tags_name AFTER UPDATE OF name ON tags
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION tags_renamed();

CREATE FUNCTION lead_contacts_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM leads_refresh_primary_contact(ARRAY(SELECT DISTINCT lead_id FROM added));
  RETURN NULL;
END $$;
CREATE FUNCTION lead_contacts_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM leads_refresh_primary_contact(ARRAY(SELECT DISTINCT lead_id FROM removed));
  RETURN NULL;
END $$;
CREATE TRIGGER lead_contacts_inserted AFTER INSERT ON lead_contacts REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION lead_contacts_added();
CREATE TRIGGER lead_contacts_updated AFTER UPDATE ON lead_contacts REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION lead_contacts_added();
CREATE TRIGGER lead_contacts_deleted AFTER DELETE ON lead_contacts REFERENCING OLD TABLE AS removed
  FOR EACH STATEMENT EXECUTE FUNCTION lead_contacts_removed();

CREATE FUNCTION contacts_refresh_leads() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM leads_refresh_primary_contact(
    ARRAY(SELECT lead_id FROM lead_contacts WHERE contact_id = NEW.id));
  RETURN NULL;
END $$;
CREATE TRIGGER contacts_deleted_leads AFTER UPDATE OF deleted_at ON contacts
  FOR EACH ROW WHEN (OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
  EXECUTE FUNCTION contacts_refresh_leads();

-- Interaction tracking, for every write path: a change to a tracked field
-- sets updated_at and (unless the statement sets it) last_interaction_at.
-- priority_score is tracked too, except when the score computation writes
-- it (it sets crmd.derived_write for its statement): a recomputed score is
-- not an interaction.
CREATE FUNCTION leads_track_interaction() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.owner_user_id IS DISTINCT FROM OLD.owner_user_id
     OR NEW.lead_status_id IS DISTINCT FROM OLD.lead_status_id
     OR NEW.lead_origin_id IS DISTINCT FROM OLD.lead_origin_id
     OR NEW.legal_name IS DISTINCT FROM OLD.legal_name
     OR NEW.trade_name IS DISTINCT FROM OLD.trade_name
     OR NEW.qualified_company_id IS DISTINCT FROM OLD.qualified_company_id
     OR NEW.qualified_master_deal_id IS DISTINCT FROM OLD.qualified_master_deal_id
     OR NEW.address_city IS DISTINCT FROM OLD.address_city
     OR NEW.address_state IS DISTINCT FROM OLD.address_state
     OR (NEW.priority_score IS DISTINCT FROM OLD.priority_score
         AND coalesce(current_setting('crmd.derived_write', true), '') <> 'on') THEN
    NEW.updated_at := now();
    IF NEW.last_interaction_at IS NOT DISTINCT FROM OLD.last_interaction_at THEN
      NEW.last_interaction_at := now();
    END IF;
  END IF;
  -- An interaction ends an SLA breach (the SLA worker flags it again if due).
  IF NEW.last_interaction_at IS DISTINCT FROM OLD.last_interaction_at THEN
    NEW.sla_breached_at := NULL;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER leads_track BEFORE UPDATE ON leads
  FOR EACH ROW EXECUTE FUNCTION leads_track_interaction();

CREATE FUNCTION leads_copy_interaction() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE lead_activity_stats SET last_interaction_at = NEW.last_interaction_at, updated_at = now()
    WHERE lead_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER leads_interaction_stats AFTER UPDATE ON leads
  FOR EACH ROW WHEN (NEW.last_interaction_at IS DISTINCT FROM OLD.last_interaction_at)
  EXECUTE FUNCTION leads_copy_interaction();

-- What happened with a lead: e-mails, calendar events, calls, notes. The
-- e-mail and calendar modules add rows here; the engagement worker recounts
-- them into lead_activity_stats.
CREATE TABLE lead_activities (
  id bigserial PRIMARY KEY,
  lead_id uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('email', 'event', 'call', 'note')),
  occurred_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_lead_activities_lead_id_occurred_at ON lead_activities (lead_id, occurred_at);

-- One row per run of a periodic job, keyed by (name, slot): every process's
-- scheduler tries to insert the slot's row, one wins and enqueues the job.
CREATE TABLE scheduled_runs (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  slot timestamptz NOT NULL,
  job_id uuid REFERENCES jobs (id) ON DELETE SET NULL,
  started_at timestamptz,
  finished_at timestamptz,
  rows_touched bigint,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (name, slot)
);
CREATE INDEX idx_scheduled_runs_job_id ON scheduled_runs (job_id);
