-- 100,000 calendar events for bench/run's calendar_events scenario, set-based
-- (one INSERT ... SELECT over generate_series, one transaction), in crmd's
-- database after its migrations (0018_calendar.sql). Run by seed_calendar
-- unless 100,000 events of calendar 'primary' are there already.
--
-- Local events (no google_event_id), calendar 'primary', owner_id NULL:
-- - start times spread evenly over two years around now (one year back, one
--   ahead), on the quarter hour, 30-120 minutes long (15-minute steps);
--   about 137 a day, 960 a week;
-- - 2% all-day events (1-3 days, start_date/end_date set, end exclusive,
--   at midnight UTC as crmd keeps them);
-- - status 92% confirmed, 3% tentative, 5% cancelled (cancelled_at set);
-- - attendees: 40% none ('[]'), else one or two e-mails;
-- - created 0-30 days before the start (or when the seed runs, for events
--   further back than that) and inserted in the order of creation, so the
--   heap is roughly, not exactly, in start order, as a calendar that grew
--   over time would be.
-- random() is seeded: every run makes the same events (not the same ids).
SET TimeZone = 'UTC';
SELECT setseed(0.14);

BEGIN;

INSERT INTO calendar_events (calendar_id, summary, description, location, start_time, end_time,
                             start_date, end_date, time_zone, status, organizer_email,
                             attendees, cancelled_at, created_at, updated_at)
SELECT 'primary', g.summary, g.description, g.location, g.start_time, g.end_time,
       g.start_date, g.end_date, 'Europe/Paris', g.status, 'bench-admin@crmd.local',
       g.attendees, CASE WHEN g.status = 'cancelled' THEN g.created_at + interval '1 day' END,
       g.created_at, g.created_at
FROM (
  SELECT s.*,
         CASE WHEN s.all_day THEN s.day::timestamptz ELSE s.slot END AS start_time,
         CASE WHEN s.all_day THEN (s.day + s.days)::timestamptz
              ELSE s.slot + make_interval(mins => 30 + 15 * s.steps) END AS end_time,
         CASE WHEN s.all_day THEN s.day END AS start_date,
         CASE WHEN s.all_day THEN s.day + s.days END AS end_date,
         least(now(), s.slot - make_interval(secs => s.lead_seconds)) AS created_at
  FROM (
    SELECT i,
           r1 < 0.02 AS all_day,
           -- a quarter hour within [now - 365 days, now + 365 days), UTC
           date_trunc('day', now() - interval '365 days')
             + make_interval(mins => 15 * floor(r2 * 730 * 96)::int) AS slot,
           (date_trunc('day', now() - interval '365 days') + make_interval(days => floor(r2 * 730)::int))::date AS day,
           1 + floor(r3 * 3)::int AS days,
           floor(r3 * 7)::int AS steps, -- 30 + 15 * 0..6 minutes
           (r4 * 30 * 86400)::int AS lead_seconds,
           CASE WHEN r5 < 0.92 THEN 'confirmed' WHEN r5 < 0.95 THEN 'tentative' ELSE 'cancelled' END AS status,
           (ARRAY['Intro call', 'Demo', 'Quarterly review', 'Onboarding', 'Contract review',
                  'Pipeline sync', 'Follow-up', 'Discovery call', 'Renewal', 'Team standup',
                  'Workshop', 'Lunch'])[1 + floor(r6 * 12)::int] || ' #' || i AS summary,
           CASE WHEN r6 < 0.5 THEN 'Agenda: goals, next steps, questions (bench event ' || i || ')' END AS description,
           CASE WHEN r7 < 0.3 THEN (ARRAY['Paris office', 'Room 4.2', 'Zoom', 'Client site', 'Cafe Lumiere'])[1 + floor(r7 / 0.3 * 5)::int] END AS location,
           CASE WHEN r8 < 0.4 THEN '[]'::jsonb
                WHEN r8 < 0.7 THEN jsonb_build_array(
                  jsonb_build_object('email', 'guest' || (i % 5000) || '@example.com', 'optional', false,
                                     'organizer', false, 'response_status', 'accepted'))
                ELSE jsonb_build_array(
                  jsonb_build_object('email', 'guest' || (i % 5000) || '@example.com', 'optional', false,
                                     'organizer', false, 'response_status', 'accepted'),
                  jsonb_build_object('email', 'partner' || (i % 3000) || '@example.org', 'optional', true,
                                     'organizer', false, 'response_status', 'needsAction'))
           END AS attendees
    FROM (
      SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
             random() AS r6, random() AS r7, random() AS r8
      FROM generate_series(1, 100000) i
    ) r
  ) s
) g
ORDER BY g.created_at;

COMMIT;

VACUUM (ANALYZE) calendar_events;
CHECKPOINT;
