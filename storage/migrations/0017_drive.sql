-- Drive (issue 13): a folder tree per CRM record, made from a template the
-- first time it is asked for. Folders and files are rows on both backends;
-- on the Google one each also names its Drive object (google_id).

CREATE TABLE drive_templates (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL UNIQUE,
  entity_type text NOT NULL CHECK (entity_type IN ('company', 'lead', 'deal', 'contact')),
  active boolean NOT NULL DEFAULT true,
  nodes jsonb NOT NULL DEFAULT '[]',  -- [{name, order, children}], see domain/drive/template.hpp
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX idx_drive_templates_entity_type_active ON drive_templates (entity_type)
  WHERE active;

INSERT INTO drive_templates (name, entity_type, nodes) VALUES
  ('Company standard', 'company',
   '[{"name": "Contracts", "order": 0, "children": [{"name": "{{year}}", "order": 0, "children": []}]},
     {"name": "Proposals", "order": 1, "children": []},
     {"name": "Invoices", "order": 2, "children": []}]'),
  ('Lead standard', 'lead',
   '[{"name": "Presentations", "order": 0, "children": []},
     {"name": "Documents", "order": 1, "children": []}]'),
  ('Deal standard', 'deal',
   '[{"name": "Proposals", "order": 0, "children": []},
     {"name": "Contracts", "order": 1, "children": [{"name": "{{year}}", "order": 0, "children": []}]},
     {"name": "Due diligence", "order": 2, "children": []}]'),
  ('Contact standard', 'contact',
   '[{"name": "Documents", "order": 0, "children": []}]');

-- An entity's root is the folder without a parent; the unique index on it
-- is what decides, across processes, which request creates a root.
CREATE TABLE drive_folders (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  parent_id uuid REFERENCES drive_folders (id),
  entity_type text NOT NULL CHECK (entity_type IN ('company', 'lead', 'deal', 'contact')),
  entity_id uuid NOT NULL,
  name text NOT NULL,
  google_id text UNIQUE,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  deleted_by uuid REFERENCES users (id) ON DELETE SET NULL,
  delete_reason text
);
CREATE UNIQUE INDEX idx_drive_folders_entity_root ON drive_folders (entity_type, entity_id)
  WHERE parent_id IS NULL;
CREATE INDEX idx_drive_folders_parent_id ON drive_folders (parent_id, lower(name), id);
-- One live folder of a name in a folder: Google's folder creation reuses a
-- folder of the name it is given (it must be idempotent), so two would be one.
CREATE UNIQUE INDEX idx_drive_folders_parent_id_name_live ON drive_folders (parent_id, lower(name))
  WHERE deleted_at IS NULL;
CREATE INDEX idx_drive_folders_entity ON drive_folders (entity_type, entity_id);
CREATE INDEX idx_drive_folders_name_trgm ON drive_folders USING gin (name gin_trgm_ops);
CREATE INDEX idx_drive_folders_created_by ON drive_folders (created_by);
CREATE INDEX idx_drive_folders_deleted_by ON drive_folders (deleted_by);

-- status: 'stored' once the content is in the blob store (local) or in
-- Google; 'uploading' while it goes to Google from staged_blob, through the
-- resumable session upload_session (kept so that another process resumes).
CREATE TABLE drive_files (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  folder_id uuid NOT NULL REFERENCES drive_folders (id),
  entity_type text NOT NULL,
  entity_id uuid NOT NULL,
  name text NOT NULL,
  mime_type text NOT NULL,
  size bigint NOT NULL CHECK (size >= 0),
  sha256 text NOT NULL,
  blob text,
  google_id text UNIQUE,
  status text NOT NULL DEFAULT 'stored' CHECK (status IN ('stored', 'uploading')),
  upload_session text,
  uploaded_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  deleted_by uuid REFERENCES users (id) ON DELETE SET NULL,
  delete_reason text
);
CREATE INDEX idx_drive_files_folder_id ON drive_files (folder_id, lower(name), id);
CREATE INDEX idx_drive_files_entity ON drive_files (entity_type, entity_id);
CREATE INDEX idx_drive_files_name_trgm ON drive_files USING gin (name gin_trgm_ops);
CREATE INDEX idx_drive_files_uploaded_by ON drive_files (uploaded_by);
CREATE INDEX idx_drive_files_deleted_by ON drive_files (deleted_by);
CREATE INDEX idx_drive_files_uploading ON drive_files (updated_at) WHERE status = 'uploading';

-- Every process caches listings; any change anywhere empties them.
CREATE FUNCTION drive_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('crmd_drive', '');
  RETURN NULL;
END $$;
CREATE TRIGGER drive_folders_notify AFTER INSERT OR UPDATE OR DELETE ON drive_folders
  FOR EACH STATEMENT EXECUTE FUNCTION drive_notify();
CREATE TRIGGER drive_files_notify AFTER INSERT OR UPDATE OR DELETE ON drive_files
  FOR EACH STATEMENT EXECUTE FUNCTION drive_notify();

-- The Google connection: one row. page_token is the changes feed's cursor,
-- moved only after the page it ends is applied.
CREATE TABLE drive_sync_state (
  id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  page_token text,
  status text NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'needs_reconnect', 'failed')),
  last_error text,
  last_success_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO drive_sync_state DEFAULT VALUES;

CREATE TABLE drive_webhook_channels (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  channel_id text NOT NULL UNIQUE,
  resource_id text,
  resource_type text NOT NULL DEFAULT 'changes',
  token text NOT NULL,
  expires_at timestamptz NOT NULL,
  active boolean NOT NULL DEFAULT true,
  stopped_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_drive_webhook_channels_active ON drive_webhook_channels (expires_at) WHERE active;

CREATE TABLE drive_change_logs (
  id bigserial PRIMARY KEY,
  channel_id text NOT NULL,
  resource_id text,
  resource_state text NOT NULL,
  message_number bigint NOT NULL,
  changed text[] NOT NULL DEFAULT '{}',
  changed_resource_id text,
  raw_headers jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (channel_id, message_number)
);
CREATE INDEX idx_drive_change_logs_received_at ON drive_change_logs (received_at);
