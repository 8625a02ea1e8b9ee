-- 200,000 deals for bench/run's deal read-model scenarios (deals_overdue,
-- deals_stuck, deals_cashflow, owner_kpis), set-based (INSERT ... SELECT over
-- generate_series, one transaction), in crmd's database after its
-- migrations (0019_deals.sql). Run by seed_deals unless 200,000 deals titled
-- 'Bench Deal %' are there already.
--
-- - 20 owners: users bench-deals-owner-<n>@crmd.local, role sales (a
--   password_hash no password matches: they own deals, they do not sign in);
-- - 5 pipelines 'Bench Pipeline <n>' of 6, 5, 6, 5, 6 stages (28), the
--   fourth without deal probabilities (uses_probability false); stage
--   probabilities 10, 25, 50, 75, 90, (100) by order; stages 2 and 3 of
--   pipelines 1-3 rot (rot_enabled, days_to_rotten 14 and 30), stage 4 of
--   every pipeline has days_to_rotten 45 without rot (its stuck threshold),
--   the others use CRMD_DEALS_STUCK_DAYS (30); the last stage of pipeline 1
--   is the one order_received stage; stage 3 of pipeline 2 has a checklist;
-- - 200,000 deals, pipelines 30/25/20/15/10%, stages uniform within one;
--   status 60% open, 25% won, 15% lost; currencies USD 60%, EUR 30%, GBP 10%;
--   value 500 to 250,000 (log-uniform, cents); a deal-level probability on
--   20%; owners uniform (2% none); expected_close_date from 6 months back to
--   12 months ahead, 10% none; stage_entered_at over the last 120 days,
--   update_time between it and now, add_time 0-60 days before it; won_time
--   (or lost_time, and close_time) within the last year;
-- - one deal_stage_history row per deal (its current stage, left_at null).
-- random() is seeded: every run makes the same deals (not the same ids).
SET TimeZone = 'UTC';
SELECT setseed(0.15);

BEGIN;

INSERT INTO users (email, name, password_hash, role)
SELECT 'bench-deals-owner-' || n || '@crmd.local', 'Bench Owner ' || n,
       '$argon2id$v=19$m=19456,t=2,p=1$YmVuY2g$not-a-real-hash', 'sales'
FROM generate_series(1, 20) n
ON CONFLICT (email) DO NOTHING;

INSERT INTO pipelines (name, order_nr, uses_probability)
SELECT 'Bench Pipeline ' || p, 100 + p, p <> 4
FROM generate_series(1, 5) p;

INSERT INTO stages (pipeline_id, name, order_nr, probability, rot_enabled, days_to_rotten,
                    order_received, required_fields)
SELECT pl.id,
       (ARRAY['Lead in', 'Qualified', 'Demo', 'Proposal', 'Negotiation', 'Contract'])[s],
       s,
       (ARRAY[10, 25, 50, 75, 90, 100])[s],
       p <= 3 AND s IN (2, 3),
       CASE WHEN p <= 3 AND s = 2 THEN 14 WHEN p <= 3 AND s = 3 THEN 30 WHEN s = 4 THEN 45 END,
       p = 1 AND s = 6,
       CASE WHEN p = 2 AND s = 3 THEN '["expected_close_date", "value"]'::jsonb ELSE '[]'::jsonb END
FROM generate_series(1, 5) p
JOIN pipelines pl ON pl.name = 'Bench Pipeline ' || p
CROSS JOIN LATERAL generate_series(1, CASE WHEN p % 2 = 1 THEN 6 ELSE 5 END) s;

CREATE TEMP TABLE bench_stage_map ON COMMIT DROP AS
SELECT p, s.order_nr AS s, s.id AS stage_id, pl.id AS pipeline_id
FROM generate_series(1, 5) p
JOIN pipelines pl ON pl.name = 'Bench Pipeline ' || p
JOIN stages s ON s.pipeline_id = pl.id;

CREATE TEMP TABLE bench_owner_map ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY email) AS n, id
FROM users WHERE email LIKE 'bench-deals-owner-%@crmd.local';

INSERT INTO deals (title, value, currency, status, pipeline_id, stage_id, owner_id,
                   expected_close_date, probability, lost_reason, add_time, update_time,
                   stage_change_time, stage_entered_at, won_time, lost_time, close_time,
                   created_at, updated_at)
SELECT 'Bench Deal ' || g.i, g.value, g.currency, g.status, m.pipeline_id, m.stage_id, o.id,
       g.expected_close_date, g.probability,
       CASE WHEN g.status = 'lost' THEN (ARRAY['Price', 'Timing', 'Competitor', 'No budget'])[1 + g.i % 4] END,
       g.add_time, g.update_time, g.stage_entered_at, g.stage_entered_at,
       CASE WHEN g.status = 'won' THEN g.closed END,
       CASE WHEN g.status = 'lost' THEN g.closed END,
       CASE WHEN g.status <> 'open' THEN g.closed END,
       g.add_time, g.update_time
FROM (
  SELECT x.*,
         x.stage_entered_at - make_interval(secs => r7 * 60 * 86400) AS add_time,
         x.stage_entered_at + (now() - x.stage_entered_at) * r8 AS update_time
  FROM (
    SELECT i, r1, r2, r3, r4, r5, r6, r7, r8, r9, rs, ro,
           CASE WHEN r1 < 0.30 THEN 1 WHEN r1 < 0.55 THEN 2 WHEN r1 < 0.75 THEN 3
                WHEN r1 < 0.90 THEN 4 ELSE 5 END AS p,
           CASE WHEN r3 < 0.60 THEN 'open' WHEN r3 < 0.85 THEN 'won' ELSE 'lost' END AS status,
           CASE WHEN r4 < 0.60 THEN 'USD' WHEN r4 < 0.90 THEN 'EUR' ELSE 'GBP' END AS currency,
           round((500 * power(500, r5))::numeric, 2) AS value,
           CASE WHEN r6 >= 0.10 THEN current_date + floor((r6 - 0.10) / 0.90 * 548)::int - 182 END AS expected_close_date,
           CASE WHEN r9 < 0.20 THEN 10 + 5 * floor(r9 / 0.20 * 17)::int END AS probability,
           now() - make_interval(secs => r2 * 120 * 86400) AS stage_entered_at,
           now() - make_interval(secs => r9 * 365 * 86400) AS closed
    FROM (
      SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
             random() AS r6, random() AS r7, random() AS r8, random() AS r9, random() AS rs,
             random() AS ro
      FROM generate_series(1, 200000) i
    ) r
  ) x
) g
JOIN bench_stage_map m ON m.p = g.p
  AND m.s = 1 + floor(g.rs * CASE WHEN g.p % 2 = 1 THEN 6 ELSE 5 END)::int
LEFT JOIN bench_owner_map o ON g.ro >= 0.02 AND o.n = 1 + floor((g.ro - 0.02) / 0.98 * 20)::int;

INSERT INTO deal_stage_history (deal_id, pipeline_id, stage_id, entered_at)
SELECT id, pipeline_id, stage_id, stage_entered_at
FROM deals WHERE title LIKE 'Bench Deal %' AND pipedrive_id IS NULL;

COMMIT;

VACUUM (ANALYZE) users, pipelines, stages, deals, deal_stage_history;
CHECKPOINT;
