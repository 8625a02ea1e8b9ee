-- Bench data of issue 16's small search database: 500 companies named
-- "Corp 0" ... "Corp 499" and 20,000 contacts, 40 to a company, for the
-- contacts_search_corp scenario of bench/run. The fragment "orp 12" is in
-- the middle of every company name, so the trigram index finds 500
-- candidates, of which 11 match ("Corp 12", "Corp 120" ... "Corp 129").
-- Titles cycle through ten, independently of the company and of the age: a
-- tenth of the contacts are CEOs, four in each company.
--   psql -X -q -v ON_ERROR_STOP=1 -h <socket dir> -U crmd -d <database> -f bench/generate_contacts_corp.sql

\set ON_ERROR_STOP on
SET client_min_messages = warning;

BEGIN;
INSERT INTO companies (name, normalized_name, domain, industry, employees_min, employees_max)
SELECT 'Corp ' || n, 'corp ' || n, 'corp' || n || '.example', 'computer software', 11, 50
FROM generate_series(0, 499) n;

INSERT INTO contacts (first_name, last_name, title, normalized_title, seniority, departments,
                      email, company_id, company_name, created_at, updated_at)
SELECT 'First' || n, 'Last' || n, t.title, t.normalized_title, t.seniority, t.departments,
       'contact' || n || '@corp' || (n % 500) || '.example', c.id, c.name,
       now() - n * interval '1 minute', now() - n * interval '1 minute'
FROM generate_series(0, 19999) n
JOIN companies c ON c.normalized_name = 'corp ' || (n % 500)
JOIN (VALUES (0, 'CEO', 'chief executive officer', 'c_suite', '{c_suite}'::text[]),
             (1, 'CTO', 'chief technology officer', 'c_suite', '{c_suite,engineering_technical}'),
             (2, 'VP Sales', 'vice president sales', 'vp', '{sales}'),
             (3, 'Account Executive', 'account executive', 'entry', '{sales}'),
             (4, 'Software Engineer', 'software engineer', 'entry', '{engineering_technical}'),
             (5, 'Product Manager', 'product manager', 'manager', '{product_management}'),
             (6, 'Marketing Manager', 'marketing manager', 'manager', '{marketing}'),
             (7, 'Data Analyst', 'data analyst', 'entry', '{engineering_technical}'),
             (8, 'Recruiter', 'recruiter', 'entry', '{human_resources}'),
             (9, 'Office Manager', 'office manager', 'manager', '{operations}'))
  AS t (k, title, normalized_title, seniority, departments) ON t.k = (n / 500 + n) % 10;

INSERT INTO contact_metadata (contact_id, attributes, updated_at)
SELECT id, '{"source": "bench"}', updated_at FROM contacts;
COMMIT;

VACUUM (ANALYZE) companies, contacts, contact_metadata;
