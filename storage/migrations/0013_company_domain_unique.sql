-- Two live companies cannot share a domain (the application checks it under
-- a transaction lock on the domain and answers 409). The index makes it a
-- rule of the data too, where existing data allows: a database that already
-- holds live duplicates keeps working (warned), until they are merged.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM companies WHERE deleted_at IS NULL AND domain IS NOT NULL
             GROUP BY lower(domain) HAVING count(*) > 1) THEN
    RAISE WARNING 'companies: live companies share domains; idx_companies_domain_live not created';
  ELSE
    CREATE UNIQUE INDEX idx_companies_domain_live ON companies (lower(domain))
      WHERE deleted_at IS NULL AND domain IS NOT NULL;
  END IF;
END $$;
