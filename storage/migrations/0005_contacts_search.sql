-- The contact list filtered by company: the page's ids come from this index
-- alone (company, then the default sort key and the title filter), so a
-- search over a few hundred companies reads no table pages until the final
-- 25 rows.
CREATE INDEX idx_contacts_company_live_cover ON contacts (company_id)
  INCLUDE (created_at, id, normalized_title) WHERE deleted_at IS NULL;
