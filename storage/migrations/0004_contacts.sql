-- Companies and contacts with their metadata and contact methods.

CREATE TABLE companies (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  normalized_name text NOT NULL,
  domain text,
  industry text,
  employees_min integer,
  employees_max integer,
  city text,
  state text,
  country text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  deleted_by uuid REFERENCES users (id),
  delete_reason text
);
CREATE INDEX idx_companies_normalized_name_trgm ON companies USING gin (normalized_name gin_trgm_ops);
CREATE INDEX idx_companies_domain ON companies (lower(domain));
CREATE INDEX idx_companies_deleted_by ON companies (deleted_by);

CREATE TABLE company_metadata (
  company_id uuid PRIMARY KEY REFERENCES companies (id) ON DELETE CASCADE,
  attributes jsonb NOT NULL DEFAULT '{}',
  technologies text[] NOT NULL DEFAULT '{}',
  revenue numeric,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE contacts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  first_name text NOT NULL DEFAULT '',
  last_name text NOT NULL DEFAULT '',
  full_name text GENERATED ALWAYS AS (btrim(first_name || ' ' || last_name)) STORED,
  title text,
  normalized_title text,
  seniority text,
  departments text[] NOT NULL DEFAULT '{}',
  email citext,
  email_status text,
  phone text,
  company_id uuid REFERENCES companies (id) ON DELETE SET NULL,
  -- The company's name, kept by the repository, so the search vector can hold it.
  company_name text,
  linkedin_url text,
  city text,
  state text,
  country text,
  owner_user_id uuid REFERENCES users (id),
  search tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' ||
                          coalesce(title, '') || ' ' || coalesce(email::text, '') || ' ' ||
                          coalesce(company_name, ''))) STORED,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  deleted_by uuid REFERENCES users (id),
  delete_reason text
);
-- E-mail is unique among live contacts only.
CREATE UNIQUE INDEX idx_contacts_email_live ON contacts (email) WHERE deleted_at IS NULL;
CREATE INDEX idx_contacts_company_id ON contacts (company_id);
CREATE INDEX idx_contacts_owner_user_id ON contacts (owner_user_id);
CREATE INDEX idx_contacts_deleted_by ON contacts (deleted_by);
CREATE INDEX idx_contacts_search ON contacts USING gin (search);
CREATE INDEX idx_contacts_departments ON contacts USING gin (departments);
CREATE INDEX idx_contacts_normalized_title_trgm ON contacts USING gin (normalized_title gin_trgm_ops);
CREATE INDEX idx_contacts_created_at_id ON contacts (created_at, id);
CREATE INDEX idx_contacts_updated_at_id ON contacts (updated_at, id);

-- contacts.company_name follows the company, whichever way either is written.
CREATE FUNCTION contacts_copy_company_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.company_name := (SELECT name FROM companies WHERE id = NEW.company_id);
  RETURN NEW;
END $$;
CREATE TRIGGER contacts_company_name BEFORE INSERT OR UPDATE OF company_id ON contacts
  FOR EACH ROW EXECUTE FUNCTION contacts_copy_company_name();

CREATE FUNCTION companies_rename_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE contacts SET company_name = NEW.name WHERE company_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER companies_name AFTER UPDATE OF name ON companies
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION companies_rename_contacts();

CREATE TABLE contact_metadata (
  contact_id uuid PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
  attributes jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE contact_methods (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  contact_id uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  type text NOT NULL CHECK (type IN ('email', 'phone', 'linkedin', 'other')),
  value text NOT NULL,
  label text,
  is_primary boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_contact_methods_contact_id ON contact_methods (contact_id);
CREATE UNIQUE INDEX idx_contact_methods_primary ON contact_methods (contact_id, type) WHERE is_primary;
