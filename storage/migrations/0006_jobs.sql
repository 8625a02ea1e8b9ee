-- The job queue (imports, exports, periodic work): claimed with
-- FOR UPDATE SKIP LOCKED, held by a lease renewed by heartbeat, fenced by
-- (lease_owner, attempts) so that a worker whose lease was taken over
-- cannot write.

CREATE TABLE jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL,
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
  priority integer NOT NULL DEFAULT 100,
  payload jsonb NOT NULL DEFAULT '{}',
  result jsonb,
  checkpoint jsonb,  -- where a resumed run starts (e.g. the row offset committed)
  total bigint,
  processed bigint NOT NULL DEFAULT 0,
  created bigint NOT NULL DEFAULT 0,
  updated bigint NOT NULL DEFAULT 0,
  skipped bigint NOT NULL DEFAULT 0,
  failed bigint NOT NULL DEFAULT 0,
  errors_dropped bigint NOT NULL DEFAULT 0,  -- row errors beyond the 10,000 kept
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL DEFAULT 5,
  run_after timestamptz NOT NULL DEFAULT now(),
  lease_owner text,
  lease_until timestamptz,
  cancel_requested boolean NOT NULL DEFAULT false,
  error text,
  version bigint NOT NULL DEFAULT 1,
  notified_at timestamptz,  -- the last NOTIFY: progress alone notifies at most once a second
  created_by uuid REFERENCES users (id),
  created_by_key text,  -- the API key or write key that created it, when not a user
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_jobs_claim ON jobs (priority, run_after, id) WHERE status = 'pending';
CREATE INDEX idx_jobs_lease ON jobs (lease_until) WHERE status = 'running';
CREATE INDEX idx_jobs_created_by ON jobs (created_by, created_at);
CREATE INDEX idx_jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE job_errors (
  id bigserial PRIMARY KEY,
  job_id uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  row_number bigint,
  field text,
  code text NOT NULL,
  message text NOT NULL,
  raw text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_job_errors_job_id ON job_errors (job_id, id);

-- Every change of a job bumps its version. Listeners hear of a change of
-- status or of a cancel request at once, of progress at most once a second:
-- one channel for all jobs, payload "<id> <version>", so that a process
-- LISTENs once however many jobs its clients wait on.
CREATE FUNCTION jobs_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.version := OLD.version + 1;
  NEW.updated_at := now();
  IF NEW.status IS DISTINCT FROM OLD.status
     OR NEW.cancel_requested IS DISTINCT FROM OLD.cancel_requested
     OR OLD.notified_at IS NULL OR OLD.notified_at < clock_timestamp() - interval '1 second' THEN
    NEW.notified_at := clock_timestamp();
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER jobs_version BEFORE UPDATE ON jobs
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION jobs_bump_version();

CREATE FUNCTION jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.notified_at IS DISTINCT FROM OLD.notified_at THEN
    PERFORM pg_notify('crmd_jobs', NEW.id::text || ' ' || NEW.version::text);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER jobs_changed AFTER INSERT OR UPDATE ON jobs
  FOR EACH ROW EXECUTE FUNCTION jobs_notify();
