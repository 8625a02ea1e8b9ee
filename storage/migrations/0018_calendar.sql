-- Calendar (issue 14): events made in crmd or mirrored from Google Calendar,
-- linked to leads, contacts and deals; one sync state per followed calendar.
-- Reads come from here, never from Google.

-- start_time and end_time are the event's span: an all-day event's dates
-- (start_date, end_date; end exclusive, as Google's) at midnight UTC.
-- google_event_id is set on events that are in Google (made there, or made
-- here with Google connected). synced_at: when a sync last saw the event, so
-- that a full sync can tell which events Google no longer has.
CREATE TABLE calendar_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  calendar_id text NOT NULL DEFAULT 'primary' CHECK (length(calendar_id) BETWEEN 1 AND 255),
  google_event_id text CHECK (length(google_event_id) <= 1024),
  summary text CHECK (length(summary) <= 1024),
  description text CHECK (length(description) <= 65536),
  location text CHECK (length(location) <= 1024),
  start_time timestamptz NOT NULL,
  end_time timestamptz NOT NULL CHECK (end_time >= start_time),
  start_date date,
  end_date date,
  time_zone text CHECK (length(time_zone) <= 64),
  meet_link text,
  html_link text,
  status text NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'tentative', 'cancelled')),
  visibility text NOT NULL DEFAULT 'default'
    CHECK (visibility IN ('default', 'public', 'private', 'confidential')),
  organizer_email text,
  attendees jsonb NOT NULL DEFAULT '[]',  -- [{email, optional, response_status, ...}]
  recurring_event_id text,
  original_start_time timestamptz,
  owner_id uuid REFERENCES users (id) ON DELETE SET NULL,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  google_updated_at timestamptz,
  synced_at timestamptz,
  cancelled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (calendar_id, google_event_id)
);
-- What runs at an instant (open at both ends: an event ending at the instant
-- is over, one starting at it is found by its start); the keyset order of
-- the listing.
CREATE INDEX idx_calendar_events_span ON calendar_events
  USING gist (tstzrange(start_time, end_time, '()'));
CREATE INDEX idx_calendar_events_start_time ON calendar_events (start_time, id);
CREATE INDEX idx_calendar_events_end_time ON calendar_events (end_time);
CREATE INDEX idx_calendar_events_status ON calendar_events (status, cancelled_at);
CREATE INDEX idx_calendar_events_owner_id ON calendar_events (owner_id, start_time);
CREATE INDEX idx_calendar_events_created_by ON calendar_events (created_by);
CREATE INDEX idx_calendar_events_attendees ON calendar_events USING gin (attendees jsonb_path_ops);

-- What an event is about. source: 'explicit' (set through the API) or
-- 'attendee' (an attendee's e-mail is the contact's).
CREATE TABLE calendar_event_links (
  event_id uuid NOT NULL REFERENCES calendar_events (id) ON DELETE CASCADE,
  entity_type text NOT NULL CHECK (entity_type IN ('lead', 'contact', 'deal')),
  entity_id uuid NOT NULL,
  source text NOT NULL DEFAULT 'explicit' CHECK (source IN ('explicit', 'attendee')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, entity_type, entity_id)
);
CREATE INDEX idx_calendar_event_links_entity ON calendar_event_links (entity_type, entity_id);

-- Cancelled events past their retention, moved here by the daily worker.
CREATE TABLE calendar_events_archive (
  LIKE calendar_events,
  links jsonb NOT NULL DEFAULT '[]',
  archived_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_calendar_events_archive_id ON calendar_events_archive (id);

-- A lead's activity for an event: one per (lead, event), moved with the event
-- and removed when it is cancelled or unlinked.
ALTER TABLE lead_activities ADD COLUMN calendar_event_id uuid
  REFERENCES calendar_events (id) ON DELETE CASCADE;
CREATE UNIQUE INDEX idx_lead_activities_calendar_event ON lead_activities (lead_id, calendar_event_id)
  WHERE calendar_event_id IS NOT NULL;
CREATE INDEX idx_lead_activities_calendar_event_id ON lead_activities (calendar_event_id);

-- One row per followed calendar (CRMD_GOOGLE_CALENDAR_IDS): the seed's
-- channel columns (channel_id, resource_id, expiration, active) are the
-- live push channel; previous_* the one it replaced, accepted until stopped.
-- sync_token moves only once a run's last page is written; while a full sync
-- runs, full_sync_page_token is where it resumes and stage_started_at the
-- run's start (events it did not see by the end are cancelled). lease_*: the
-- process whose sync runs (one per calendar at a time).
CREATE TABLE calendar_sync_states (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  calendar_id text NOT NULL UNIQUE DEFAULT 'primary',
  sync_token text,
  stage text NOT NULL DEFAULT 'pending'
    CHECK (stage IN ('pending', 'full_sync', 'incremental_sync', 'idle')),
  status text NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'failed_needs_reconnect', 'failed')),
  stage_started_at timestamptz,
  full_sync_page_token text,
  throttle_failure_count integer NOT NULL DEFAULT 0,
  throttled_until timestamptz,
  last_success_at timestamptz,
  last_error text,
  events_synced bigint NOT NULL DEFAULT 0,
  lease_owner text,
  lease_until timestamptz,
  channel_id text UNIQUE,
  resource_id text,
  channel_token text,
  expiration timestamptz,
  active boolean NOT NULL DEFAULT false,
  previous_channel_id text UNIQUE,
  previous_resource_id text,
  previous_channel_token text,
  previous_expiration timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_calendar_sync_states_expiration ON calendar_sync_states (expiration) WHERE active;
CREATE INDEX idx_calendar_sync_states_active ON calendar_sync_states (active);

-- Each push once: Google may send a message again.
CREATE TABLE calendar_notifications (
  channel_id text NOT NULL,
  message_number bigint NOT NULL,
  resource_state text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel_id, message_number)
);
CREATE INDEX idx_calendar_notifications_received_at ON calendar_notifications (received_at);

-- The calendar actor caches which contact an attendee's e-mail is: any
-- change to contacts' e-mails, in any process, empties it.
CREATE FUNCTION contacts_email_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('crmd_contact_emails', '');
  RETURN NULL;
END $$;
CREATE TRIGGER contacts_email_notify AFTER INSERT OR DELETE OR UPDATE OF email, deleted_at
  ON contacts FOR EACH STATEMENT EXECUTE FUNCTION contacts_email_notify();
