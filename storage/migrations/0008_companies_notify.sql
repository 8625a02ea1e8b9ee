-- Processes cache which companies a name fragment, industry or head count
-- matches (the contacts list's company filters): every change of companies
-- tells them to forget, once per statement.
CREATE FUNCTION companies_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('crmd_companies', '');
  RETURN NULL;
END $$;
CREATE TRIGGER companies_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON companies
  FOR EACH STATEMENT EXECUTE FUNCTION companies_notify();
