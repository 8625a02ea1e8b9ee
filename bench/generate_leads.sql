-- Bench data for the lead scenarios of bench/run: 200,000 leads owned by 20
-- sales users (bench-sales-<n>@crmd.local, password bench-sales-password),
-- with statuses, origins, cities, 0-2 of 10 tags each, 0-3 contacts each
-- (150,000 contacts of their own; half the leads with contacts flag a
-- primary one) and an activity stats row each. 3% are deleted, 5%
-- disqualified. Set-based; run by bench/run (seed_leads) once crmd has
-- applied its migrations:
--   psql -X -q -v ON_ERROR_STOP=1 -h <socket dir> -U crmd -d postgres -f bench/generate_leads.sql
-- random() is seeded: the same data every time.

\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET work_mem = '256MB';
SET maintenance_work_mem = '512MB';

BEGIN;
SELECT setseed(0.6) \g /dev/null

-- The sales users, with a password crmd accepts (PBKDF2 as crmd hashes it
-- is not reproducible in SQL, so bench/run sets it through the API).
INSERT INTO users (email, name, password_hash, role)
SELECT 'bench-sales-' || g || '@crmd.local', 'Bench Sales ' || g, '!', 'sales'
FROM generate_series(1, 20) AS g
ON CONFLICT DO NOTHING;

INSERT INTO tags (name, color)
SELECT t, '#' || lpad(to_hex((row_number() OVER ())::int * 1000003 % 16777216), 6, '0')
FROM unnest(ARRAY['hot', 'vip', 'strategic', 'cold', 'enterprise', 'smb', 'partner', 'renewal',
                  'inbound', 'outbound']) AS t
ON CONFLICT DO NOTHING;

CREATE TEMP TABLE seed_refs ON COMMIT DROP AS
SELECT (SELECT array_agg(id ORDER BY sort_order) FROM lead_statuses WHERE code <> 'LOST') AS statuses,
       (SELECT array_agg(id ORDER BY sort_order) FROM lead_origins) AS origins,
       (SELECT array_agg(id ORDER BY email) FROM users WHERE email LIKE 'bench-sales-%@crmd.local') AS owners,
       (SELECT array_agg(id ORDER BY name) FROM tags) AS tags,
       ARRAY['Lyon', 'Oslo', 'Porto', 'Austin', 'Denver', 'Boston', 'Munich', 'Madrid', 'Turin',
             'Dublin', 'Leeds', 'Ghent'] AS cities,
       ARRAY['CA', 'TX', 'NY', 'WA', 'CO', 'MA', 'IL', 'FL'] AS states;

INSERT INTO leads (legal_name, trade_name, lead_status_id, lead_origin_id, owner_user_id,
                   address_city, address_state, last_interaction_at, priority_score,
                   disqualified_at, disqualification_reason, deleted_at, created_at, updated_at)
SELECT 'Bench Lead ' || g || ' Ltd', CASE WHEN random() < 0.5 THEN 'BL' || g END,
       r.statuses[1 + floor(random() * array_length(r.statuses, 1))::int],
       r.origins[1 + floor(random() * array_length(r.origins, 1))::int],
       r.owners[1 + (g % 20)],
       r.cities[1 + floor(random() * 12)::int], r.states[1 + floor(random() * 8)::int],
       CASE WHEN random() < 0.1 THEN NULL ELSE now() - random() * interval '120 days' END,
       floor(random() * 101)::int,
       CASE WHEN g % 20 = 7 THEN now() - interval '3 days' END,
       CASE WHEN g % 20 = 7 THEN 'bench' END,
       CASE WHEN g % 33 = 5 THEN now() - interval '1 day' END,
       now() - random() * interval '365 days', now()
FROM generate_series(1, 200000) AS g, seed_refs r;

-- The copies on leads (tag_names, primary_contact_id) are computed once at
-- the end: their triggers, run on tables whose statistics still say empty,
-- would search each lead's rows by sequential scans.
ALTER TABLE lead_tags DISABLE TRIGGER USER;
ALTER TABLE lead_contacts DISABLE TRIGGER USER;

INSERT INTO lead_activity_stats (lead_id, engagement_score, last_interaction_at, total_emails,
                                 total_events, total_interactions)
SELECT l.id, floor(random() * 101)::int, l.last_interaction_at, e, v, e + v + floor(random() * 5)::int
FROM leads l, LATERAL (SELECT floor(random() * 20)::int AS e, floor(random() * 6)::int AS v) n
WHERE NOT EXISTS (SELECT 1 FROM lead_activity_stats s WHERE s.lead_id = l.id);

INSERT INTO lead_tags (lead_id, tag_id)
SELECT l.id, r.tags[1 + floor(random() * 10)::int]
FROM leads l, seed_refs r, generate_series(1, 2) AS k
WHERE l.legal_name LIKE 'Bench Lead %' AND random() < 0.5
ON CONFLICT DO NOTHING;

INSERT INTO contacts (first_name, last_name, title)
SELECT 'Bench', 'Contact ' || g, 'Buyer' FROM generate_series(1, 150000) AS g;

-- Numbered, so that a lead draws its contacts by number (indexing a big
-- array per row would detoast it each time).
CREATE TEMP TABLE seed_contacts ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY id)::int AS n, id FROM contacts
WHERE first_name = 'Bench' AND last_name LIKE 'Contact %';
CREATE INDEX ON seed_contacts (n);
ANALYZE seed_contacts;

INSERT INTO lead_contacts (lead_id, contact_id, added_at)
SELECT drawn.lead_id, c.id, drawn.added_at
FROM (SELECT l.id AS lead_id, (1 + floor(random() * 150000))::int AS n,
             now() - random() * interval '100 days' AS added_at
      FROM leads l, generate_series(1, 3) AS k
      WHERE l.legal_name LIKE 'Bench Lead %' AND random() < 0.45) AS drawn
JOIN seed_contacts c ON c.n = drawn.n
ON CONFLICT DO NOTHING;

UPDATE lead_contacts lc SET is_primary = true
FROM (SELECT DISTINCT ON (lead_id) lead_id, contact_id FROM lead_contacts
      ORDER BY lead_id, added_at DESC) AS latest
WHERE lc.lead_id = latest.lead_id AND lc.contact_id = latest.contact_id
  AND hashtext(lc.lead_id::text) % 2 = 0
  AND NOT EXISTS (SELECT 1 FROM lead_contacts p WHERE p.lead_id = lc.lead_id AND p.is_primary);

ALTER TABLE lead_tags ENABLE TRIGGER USER;
ALTER TABLE lead_contacts ENABLE TRIGGER USER;
ANALYZE lead_tags;
ANALYZE lead_contacts;

UPDATE leads l SET tag_names = t.names
FROM (SELECT lt.lead_id, array_agg(t.name::text ORDER BY t.name) AS names
      FROM lead_tags lt JOIN tags t ON t.id = lt.tag_id GROUP BY lt.lead_id) t
WHERE l.id = t.lead_id AND l.legal_name LIKE 'Bench Lead %';

UPDATE leads l SET primary_contact_id = p.contact_id
FROM (SELECT DISTINCT ON (lc.lead_id) lc.lead_id, lc.contact_id
      FROM lead_contacts lc JOIN contacts c ON c.id = lc.contact_id AND c.deleted_at IS NULL
      ORDER BY lc.lead_id, lc.is_primary DESC, lc.added_at, lc.contact_id) p
WHERE l.id = p.lead_id AND l.legal_name LIKE 'Bench Lead %';

COMMIT;

VACUUM ANALYZE leads;
ANALYZE lead_tags;
ANALYZE lead_contacts;
ANALYZE lead_activity_stats;
ANALYZE contacts;
ANALYZE users;
