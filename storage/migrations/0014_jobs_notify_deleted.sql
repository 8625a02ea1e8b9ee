-- A deleted job wakes the requests parked on it in every process (they read
-- it again and answer 404) instead of leaving them for their whole wait: the
-- version in the payload is past any a waiter can hold.
CREATE FUNCTION jobs_notify_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('crmd_jobs', OLD.id::text || ' 9223372036854775807');
  RETURN NULL;
END $$;
CREATE TRIGGER jobs_deleted AFTER DELETE ON jobs
  FOR EACH ROW EXECUTE FUNCTION jobs_notify_deleted();
