-- Imports find a company by its normalized name when it has no domain.
CREATE INDEX idx_companies_normalized_name_live ON companies (normalized_name)
  WHERE deleted_at IS NULL;
