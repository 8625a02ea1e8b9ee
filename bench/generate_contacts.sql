-- Bench data: 100,000 companies and 1,000,000 contacts (with their metadata
-- rows), set-based, for the contact_get and contacts_search scenarios of
-- bench/run. Run by bench/run (seed_contacts) once crmd has applied its
-- migrations:
--   psql -X -q -v ON_ERROR_STOP=1 -h <socket dir> -U crmd -d postgres -f bench/generate_contacts.sql
--
-- Companies are "<word> <core>[ <suffix>]": the word one of 100 brand words
-- and 207 surnames (so each word names ~330 companies: "summit" or "sullivan"
-- is a mid-selectivity company filter), the core fitting the industry. Sizes
-- follow Apollo's employee ranges, most companies small; contacts go to
-- companies in proportion to their size (about 1.5 in a 1-10 company, about
-- 100 in a 10001+ one), 2% have no company. Titles come from a fixed list of
-- 58 with the normalized title and seniority that crmd's normalize_title and
-- infer_seniority (domain/contacts/titles.cpp) give for them; 2% have none.
-- random() is seeded: the same names, titles and places every time.

\set ON_ERROR_STOP on

\set first_names '{James,Mary,John,Patricia,Robert,Jennifer,Michael,Linda,William,Elizabeth,David,Barbara,Richard,Susan,Joseph,Jessica,Thomas,Sarah,Christopher,Karen,Charles,Lisa,Daniel,Nancy,Matthew,Betty,Anthony,Sandra,Mark,Margaret,Donald,Ashley,Steven,Kimberly,Andrew,Emily,Paul,Donna,Joshua,Michelle,Kenneth,Carol,Kevin,Amanda,Brian,Melissa,George,Deborah,Timothy,Stephanie,Ronald,Rebecca,Jason,Laura,Edward,Helen,Jeffrey,Sharon,Ryan,Cynthia,Jacob,Kathleen,Gary,Amy,Nicholas,Angela,Eric,Anna,Jonathan,Brenda,Stephen,Emma,Larry,Olivia,Justin,Sophia,Scott,Ava,Brandon,Isabella,Benjamin,Mia,Samuel,Charlotte,Gregory,Amelia,Alexander,Harper,Patrick,Evelyn,Frank,Abigail,Raymond,Ella,Jack,Grace,Dennis,Chloe,Tyler,Priya,Aaron,Ananya,Jose,Maria,Adam,Sofia,Nathan,Lucia,Henry,Wei,Mei,Hiroshi,Yuki,Ahmed,Fatima,Omar,Aisha,Lukas,Hannah,Luca,Giulia,Mateo,Camila,Raj,Arjun,Noah,Liam,Ethan,Zoe,Leah,Nina,Sean,Claire}'

\set last_names '{Smith,Johnson,Williams,Brown,Jones,Garcia,Miller,Davis,Rodriguez,Martinez,Hernandez,Lopez,Gonzalez,Wilson,Anderson,Thomas,Taylor,Moore,Jackson,Martin,Lee,Perez,Thompson,White,Harris,Sanchez,Clark,Ramirez,Lewis,Robinson,Walker,Young,Allen,King,Wright,Scott,Torres,Nguyen,Hill,Flores,Green,Adams,Nelson,Baker,Hall,Rivera,Campbell,Mitchell,Carter,Roberts,Gomez,Phillips,Evans,Turner,Diaz,Parker,Cruz,Edwards,Collins,Reyes,Stewart,Morris,Morales,Murphy,Cook,Rogers,Gutierrez,Ortiz,Morgan,Cooper,Peterson,Bailey,Reed,Kelly,Howard,Ramos,Kim,Cox,Ward,Richardson,Watson,Brooks,Chavez,Wood,James,Bennett,Gray,Mendoza,Ruiz,Hughes,Price,Alvarez,Castillo,Sanders,Patel,Myers,Long,Ross,Foster,Jimenez,Powell,Jenkins,Perry,Russell,Sullivan,Bell,Coleman,Butler,Henderson,Barnes,Fisher,Vasquez,Simmons,Romero,Jordan,Patterson,Hamilton,Graham,Reynolds,Griffin,Wallace,Moreno,West,Cole,Hayes,Bryant,Herrera,Gibson,Ellis,Tran,Medina,Aguilar,Stevens,Murray,Ford,Castro,Marshall,Owens,Harrison,Fernandez,McDonald,Woods,Washington,Kennedy,Wells,Vargas,Henry,Chen,Freeman,Webb,Tucker,Guzman,Burns,Crawford,Olson,Simpson,Porter,Hunter,Gordon,Mendez,Silva,Shaw,Snyder,Mason,Dixon,Munoz,Hunt,Hicks,Holmes,Palmer,Wagner,Black,Robertson,Boyd,Rose,Fox,Warren,Mills,Meyer,Rice,Schmidt,Garza,Daniels,Ferguson,Nichols,Stephens,Soto,Weaver,Gardner,Payne,Grant,Dunn,Kumar,Singh,Wang,Zhang,Liu,Yamamoto,Tanaka,Muller,Schneider,Fischer,Weber,Dubois,Rossi,Ferrari,O''Brien}'

\set brand_words '{Acme,Apex,Summit,Pinnacle,Horizon,Vertex,Nimbus,Quantum,Evergreen,Silverline,Bluewave,Redwood,Ironclad,Brightpath,Northstar,Cobalt,Crimson,Granite,Harbor,Keystone,Lighthouse,Meridian,Nexus,Orion,Pioneer,Radiant,Sterling,Titan,Unity,Vanguard,Zenith,Atlas,Beacon,Cascade,Cedar,Clearwater,Compass,Crescent,Elevate,Ember,Falcon,Frontier,Fusion,Glacier,Helix,Insight,Juniper,Kinetic,Lumen,Magnolia,Maple,Momentum,Nova,Oakridge,Onyx,Paragon,Prairie,Prism,Quest,Riverbend,Sapphire,Sequoia,Sierra,Skyline,Solstice,Spark,Spruce,Stonebridge,Sunrise,Synergy,Trident,Trinity,Upland,Vista,Willow,Alpine,Aurora,Bayside,Bridgewater,Catalyst,Copperleaf,Delta,Eastgate,Ethos,Everest,Foundry,Greenfield,Highland,Ivy,Lakeshore,Liberty,Matrix,Monarch,Northwind,Oasis,Peak,Redstone,Silverleaf,Tandem,Westbrook}'

\set tech '{Salesforce,HubSpot,Google Analytics,AWS,Microsoft Azure,Google Cloud,Slack,Zoom,Shopify,WordPress,Stripe,Zendesk,Intercom,Marketo,Segment,Snowflake,Kubernetes,React,PostgreSQL,Outreach,Gong,Okta,Workday,Jira}'

SET client_min_messages = warning;
SET work_mem = '256MB';
SET maintenance_work_mem = '512MB';

BEGIN;
SELECT setseed(0.2026) \g /dev/null

-- Lookup tables, each with a weight: a row is drawn with probability
-- weight / total through its slots (1..total).

CREATE TEMP TABLE seed_titles (title, normalized_title, seniority, departments, weight) ON COMMIT DROP AS
VALUES
  ('CEO', 'chief executive officer', 'c_suite', '{c_suite}'::text[], 3),
  ('Co-Founder & CEO', 'co founder chief executive officer', 'founder', '{c_suite}', 2),
  ('Founder', 'founder', 'founder', '{c_suite}', 2),
  ('Owner', 'owner', 'owner', '{c_suite}', 2),
  ('President', 'president', 'c_suite', '{c_suite}', 1),
  ('CTO', 'chief technology officer', 'c_suite', '{c_suite,engineering_technical}', 1),
  ('CFO', 'chief financial officer', 'c_suite', '{c_suite,finance}', 1),
  ('Chief Marketing Officer', 'chief marketing officer', 'c_suite', '{c_suite,marketing}', 1),
  ('COO', 'chief operating officer', 'c_suite', '{c_suite,operations}', 1),
  ('Managing Partner', 'managing partner', 'partner', '{c_suite}', 1),
  ('VP Sales', 'vice president sales', 'vp', '{sales}', 2),
  ('Vice President of Sales', 'vice president sales', 'vp', '{sales}', 2),
  ('VP of Engineering', 'vice president engineering', 'vp', '{engineering_technical}', 2),
  ('SVP, Marketing', 'senior vice president marketing', 'vp', '{marketing}', 1),
  ('EVP Operations', 'executive vice president operations', 'vp', '{operations}', 1),
  ('Vice President, Customer Success', 'vice president customer success', 'vp', '{support}', 1),
  ('Head of Marketing', 'head marketing', 'head', '{marketing}', 2),
  ('Head of Engineering', 'head engineering', 'head', '{engineering_technical}', 2),
  ('Head of People', 'head people', 'head', '{human_resources}', 1),
  ('Head of Growth', 'head growth', 'head', '{marketing}', 1),
  ('Director of Sales', 'director sales', 'director', '{sales}', 3),
  ('Sales Director', 'sales director', 'director', '{sales}', 2),
  ('Director, Product Management', 'director product management', 'director', '{product_management}', 2),
  ('IT Director', 'it director', 'director', '{information_technology}', 2),
  ('Director of Human Resources', 'director human resources', 'director', '{human_resources}', 1),
  ('Engineering Manager', 'engineering manager', 'manager', '{engineering_technical}', 4),
  ('Marketing Manager', 'marketing manager', 'manager', '{marketing}', 5),
  ('Product Manager', 'product manager', 'manager', '{product_management}', 5),
  ('Sr. Product Manager', 'senior product manager', 'manager', '{product_management}', 2),
  ('HR Manager', 'human resources manager', 'manager', '{human_resources}', 3),
  ('Account Manager', 'account manager', 'manager', '{sales}', 5),
  ('Customer Success Manager', 'customer success manager', 'manager', '{support}', 4),
  ('Ops Manager', 'operations manager', 'manager', '{operations}', 3),
  ('Regional Sales Manager', 'regional sales manager', 'manager', '{sales}', 3),
  ('BD Manager', 'business development manager', 'manager', '{sales}', 2),
  ('Office Manager', 'office manager', 'manager', '{operations}', 2),
  ('Account Executive', 'account executive', 'entry', '{sales}', 8),
  ('Senior Account Executive', 'senior account executive', 'senior', '{sales}', 4),
  ('Sales Development Representative', 'sales development representative', 'entry', '{sales}', 6),
  ('Software Engineer', 'software engineer', 'entry', '{engineering_technical}', 10),
  ('Senior Software Engineer', 'senior software engineer', 'senior', '{engineering_technical}', 8),
  ('Sr Software Engineer', 'senior software engineer', 'senior', '{engineering_technical}', 2),
  ('Staff Engineer', 'staff engineer', 'senior', '{engineering_technical}', 2),
  ('Principal Engineer', 'principal engineer', 'senior', '{engineering_technical}', 1),
  ('DevOps Engineer', 'devops engineer', 'entry', '{engineering_technical}', 3),
  ('Full-Stack Developer', 'full stack developer', 'entry', '{engineering_technical}', 3),
  ('Lead Data Scientist', 'lead data scientist', 'senior', '{engineering_technical}', 1),
  ('Data Analyst', 'data analyst', 'entry', '{engineering_technical}', 3),
  ('Solutions Architect', 'solutions architect', 'entry', '{engineering_technical}', 2),
  ('Financial Analyst', 'financial analyst', 'entry', '{finance}', 3),
  ('Controller', 'controller', 'entry', '{finance}', 1),
  ('Marketing Coordinator', 'marketing coordinator', 'entry', '{marketing}', 3),
  ('Recruiter', 'recruiter', 'entry', '{human_resources}', 3),
  ('UX Designer', 'ux designer', 'entry', '{design}', 2),
  ('Customer Support Specialist', 'customer support specialist', 'entry', '{support}', 3),
  ('General Counsel', 'general counsel', 'entry', '{legal}', 1),
  ('Marketing Intern', 'marketing intern', 'intern', '{marketing}', 1),
  ('Software Engineering Intern', 'software engineering intern', 'intern', '{engineering_technical}', 1);

-- Places, with the start of their phone numbers.
CREATE TEMP TABLE seed_places (city, state, country, phone_prefix, weight) ON COMMIT DROP AS
VALUES
  ('New York', 'New York', 'United States', '+1 212', 8),
  ('San Francisco', 'California', 'United States', '+1 415', 6),
  ('Los Angeles', 'California', 'United States', '+1 213', 5),
  ('Chicago', 'Illinois', 'United States', '+1 312', 5),
  ('Austin', 'Texas', 'United States', '+1 512', 4),
  ('Dallas', 'Texas', 'United States', '+1 214', 3),
  ('Houston', 'Texas', 'United States', '+1 713', 3),
  ('Seattle', 'Washington', 'United States', '+1 206', 4),
  ('Boston', 'Massachusetts', 'United States', '+1 617', 4),
  ('Denver', 'Colorado', 'United States', '+1 303', 3),
  ('Atlanta', 'Georgia', 'United States', '+1 404', 3),
  ('Miami', 'Florida', 'United States', '+1 305', 3),
  ('Phoenix', 'Arizona', 'United States', '+1 602', 2),
  ('Philadelphia', 'Pennsylvania', 'United States', '+1 215', 2),
  ('San Diego', 'California', 'United States', '+1 619', 2),
  ('San Jose', 'California', 'United States', '+1 408', 2),
  ('Minneapolis', 'Minnesota', 'United States', '+1 612', 2),
  ('Portland', 'Oregon', 'United States', '+1 503', 2),
  ('Washington', 'District of Columbia', 'United States', '+1 202', 2),
  ('Salt Lake City', 'Utah', 'United States', '+1 801', 1),
  ('Nashville', 'Tennessee', 'United States', '+1 615', 1),
  ('Raleigh', 'North Carolina', 'United States', '+1 919', 1),
  ('Columbus', 'Ohio', 'United States', '+1 614', 1),
  ('Pittsburgh', 'Pennsylvania', 'United States', '+1 412', 1),
  ('Toronto', 'Ontario', 'Canada', '+1 416', 3),
  ('Vancouver', 'British Columbia', 'Canada', '+1 604', 2),
  ('Montreal', 'Quebec', 'Canada', '+1 514', 1),
  ('London', 'England', 'United Kingdom', '+44 20', 5),
  ('Manchester', 'England', 'United Kingdom', '+44 161', 1),
  ('Edinburgh', 'Scotland', 'United Kingdom', '+44 131', 1),
  ('Dublin', 'Leinster', 'Ireland', '+353 1', 1),
  ('Berlin', 'Berlin', 'Germany', '+49 30', 2),
  ('Munich', 'Bavaria', 'Germany', '+49 89', 1),
  ('Paris', 'Île-de-France', 'France', '+33 1', 2),
  ('Amsterdam', 'North Holland', 'Netherlands', '+31 20', 2),
  ('Stockholm', 'Stockholm County', 'Sweden', '+46 8', 1),
  ('Madrid', 'Community of Madrid', 'Spain', '+34 91', 1),
  ('Zurich', 'Zurich', 'Switzerland', '+41 44', 1),
  ('Sydney', 'New South Wales', 'Australia', '+61 2', 2),
  ('Melbourne', 'Victoria', 'Australia', '+61 3', 1),
  ('Singapore', NULL, 'Singapore', '+65 6', 1),
  ('Bengaluru', 'Karnataka', 'India', '+91 80', 2),
  ('Mumbai', 'Maharashtra', 'India', '+91 22', 1),
  ('Tel Aviv', 'Tel Aviv District', 'Israel', '+972 3', 1),
  ('São Paulo', 'São Paulo', 'Brazil', '+55 11', 1);

-- Industries (Apollo's names), with the words their companies' names end in.
CREATE TEMP TABLE seed_industries (industry, cores, weight) ON COMMIT DROP AS
VALUES
  ('computer software', '{Software,Labs,Technologies,Systems,Cloud,Data,AI,Apps}'::text[], 14),
  ('information technology & services', '{Technologies,IT Solutions,Networks,Systems,Digital,Tech}', 12),
  ('internet', '{Online,Digital,Web,Interactive}', 5),
  ('marketing & advertising', '{Media,Marketing,Creative,Agency,Digital,Brands}', 7),
  ('financial services', '{Capital,Financial,Partners,Advisors,Wealth,Investments}', 7),
  ('hospital & health care', '{Health,Medical,Care,Clinics,Health Partners}', 7),
  ('real estate', '{Realty,Properties,Homes,Real Estate}', 5),
  ('construction', '{Builders,Construction,Contractors,Building Group}', 5),
  ('management consulting', '{Consulting,Advisory,Solutions,Strategy}', 6),
  ('logistics & supply chain', '{Logistics,Freight,Transport,Supply Chain}', 4),
  ('retail', '{Goods,Supply,Outfitters,Market,Retail}', 5),
  ('education management', '{Learning,Academy,Education,Institute}', 4),
  ('mechanical or industrial engineering', '{Industries,Manufacturing,Engineering,Works}', 5),
  ('law practice', '{Law,Legal,Law Group}', 3),
  ('staffing & recruiting', '{Staffing,Talent,Recruiting,Workforce}', 3),
  ('biotechnology', '{Bio,Therapeutics,Biosciences,Genomics}', 3),
  ('insurance', '{Insurance,Assurance,Risk}', 2),
  ('hospitality', '{Hospitality,Hotels,Resorts}', 2),
  ('renewables & environment', '{Energy,Solar,Power,Renewables}', 2);

-- Apollo's employee ranges; weight: per mille of companies; reach: how many
-- contacts a company of that size gets, relatively.
CREATE TEMP TABLE seed_sizes (employees_min, employees_max, weight, reach) ON COMMIT DROP AS
VALUES
  (1, 10, 300, 1), (11, 20, 150, 2), (21, 50, 180, 3), (51, 100, 120, 5), (101, 200, 90, 8),
  (201, 500, 70, 12), (501, 1000, 40, 18), (1001, 2000, 20, 25), (2001, 5000, 15, 35),
  (5001, 10000, 8, 50), (10001, NULL::integer, 7, 70);

CREATE TEMP TABLE seed_email_statuses (email_status, weight) ON COMMIT DROP AS
VALUES ('verified', 55), ('unverified', 10), ('likely_to_engage', 10), ('unavailable', 8),
       ('bounced', 5), ('unknown', 12);

-- <table>_slots: the rows of <table>, each `weight` times, numbered (slot).
CREATE FUNCTION pg_temp.slot_table(source regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE TEMP TABLE %s ON COMMIT DROP AS
                    SELECT row_number() OVER ()::int AS slot, s.*
                    FROM %s s, generate_series(1, s.weight)', source || '_slots', source);
  EXECUTE format('CREATE UNIQUE INDEX ON %s (slot)', source || '_slots');
  EXECUTE format('ANALYZE %s', source || '_slots');
END $$;
SELECT pg_temp.slot_table(t) FROM unnest(ARRAY['seed_titles', 'seed_places', 'seed_industries',
  'seed_sizes', 'seed_email_statuses']::regclass[]) t \g /dev/null

-- A random slot of a lookup table, 1..count.
CREATE FUNCTION pg_temp.draw(slots bigint) RETURNS int LANGUAGE sql VOLATILE AS
  'SELECT 1 + floor(random() * slots)::int';

-- ---------------------------------------------------------------- companies

CREATE TEMP TABLE seed_companies ON COMMIT DROP AS
WITH drawn AS MATERIALIZED (
  SELECT n,
         (:'brand_words'::text[] || :'last_names'::text[])
           [pg_temp.draw(cardinality(:'brand_words'::text[] || :'last_names'::text[]))] AS word,
         pg_temp.draw((SELECT count(*) FROM seed_industries_slots)) AS industry_slot,
         pg_temp.draw((SELECT count(*) FROM seed_sizes_slots)) AS size_slot,
         pg_temp.draw((SELECT count(*) FROM seed_places_slots)) AS place_slot,
         random() AS r_core,
         (ARRAY['', '', '', '', ' Inc', ' Inc', ' LLC', ' Group', ' Corp', ' Co', ' Ltd'])[pg_temp.draw(11)] AS suffix,
         (ARRAY['.com', '.com', '.com', '.com', '.com', '.io', '.co', '.net', '.ai'])[pg_temp.draw(9)] AS tld,
         now() - random() * interval '3 years' AS created_at,
         random() AS r_updated,
         0.5 + random() AS r_reach
  FROM generate_series(1, 100000) n
),
named AS (
  SELECT d.*, i.industry, s.employees_min, s.employees_max, s.reach, p.city, p.state, p.country,
         d.word || ' ' || i.cores[1 + floor(d.r_core * cardinality(i.cores))::int] || d.suffix AS name
  FROM drawn d
  JOIN seed_industries_slots i ON i.slot = d.industry_slot
  JOIN seed_sizes_slots s ON s.slot = d.size_slot
  JOIN seed_places_slots p ON p.slot = d.place_slot
),
domained AS (
  SELECT nm.*, regexp_replace(lower(name), '(\s(inc|llc|group|corp|co|ltd)$)|[^a-z0-9]', '', 'g') AS base
  FROM named nm
)
SELECT n, gen_random_uuid() AS id, name,
       -- as crmd's normalize_company_name: the legal form (Inc, LLC...) dropped
       regexp_replace(regexp_replace(lower(btrim(name)), '\s+', ' ', 'g'),
                      ' (inc|llc|corp|co|ltd)$', '') AS normalized_name,
       base || CASE WHEN k > 1 THEN k::text ELSE '' END || tld AS domain,
       industry, employees_min, employees_max, city, state, country, place_slot, created_at,
       CASE WHEN r_updated < 0.5 THEN created_at ELSE created_at + r_updated * (now() - created_at) END AS updated_at,
       round(reach * r_reach * 100)::bigint AS reach
FROM (SELECT dd.*, row_number() OVER (PARTITION BY base, tld) AS k FROM domained dd) numbered;
CREATE UNIQUE INDEX ON seed_companies (n);
ANALYZE seed_companies;

INSERT INTO companies (id, name, normalized_name, domain, industry, employees_min, employees_max,
                       city, state, country, created_at, updated_at)
SELECT id, name, normalized_name, domain, industry, employees_min, employees_max,
       city, state, country, created_at, updated_at
FROM seed_companies ORDER BY n;

INSERT INTO company_metadata (company_id, attributes, technologies, revenue, updated_at)
SELECT c.id,
       jsonb_build_object('founded_year', 2025 - floor(random() * random() * 80)::int,
                          'linkedin_url', 'https://www.linkedin.com/company/' || replace(c.domain, '.', '-'),
                          'source', 'bench'),
       ARRAY(SELECT DISTINCT (:'tech'::text[])[pg_temp.draw(cardinality(:'tech'::text[]))]
             FROM generate_series(1, c.tech_count)),
       round((coalesce(c.employees_max, 20000) * (40000 + random() * 160000))::numeric, -3),
       c.updated_at
FROM (SELECT *, floor(random() * 6)::int AS tech_count FROM seed_companies) c
ORDER BY c.n;

-- ---------------------------------------------------------------- contacts

-- 980,000 contacts spread over the companies in proportion to their reach
-- (the counts telescope: they add up exactly), 20,000 without a company.
CREATE TEMP TABLE seed_contacts ON COMMIT DROP AS
WITH counted AS (
  SELECT n, (div(cum * 980000, total) - div((cum - reach) * 980000, total))::int AS k
  FROM (SELECT n, reach, sum(reach) OVER (ORDER BY n) AS cum, sum(reach) OVER () AS total
        FROM seed_companies) s
),
placed AS (
  SELECT n AS company_n FROM counted, generate_series(1, k)
  UNION ALL
  SELECT NULL FROM generate_series(1, 20000)
)
SELECT row_number() OVER () AS n, company_n,
       (:'first_names'::text[])[pg_temp.draw(cardinality(:'first_names'::text[]))] AS first_name,
       (:'last_names'::text[])[pg_temp.draw(cardinality(:'last_names'::text[]))] AS last_name,
       -- 2% beyond the last slot: no title
       pg_temp.draw((SELECT count(*) * 102 / 100 FROM seed_titles_slots)) AS title_slot,
       pg_temp.draw((SELECT count(*) FROM seed_email_statuses_slots)) AS status_slot,
       -- most contacts where their company is, some elsewhere
       CASE WHEN company_n IS NOT NULL AND random() < 0.75 THEN NULL
            ELSE pg_temp.draw((SELECT count(*) FROM seed_places_slots)) END AS own_place_slot,
       pg_temp.draw(10) AS email_form,
       random() AS r_phone, random() AS r_linkedin, random() AS r_updated,
       now() - power(random(), 1.3) * interval '3 years' AS created_at
FROM placed;
ANALYZE seed_contacts;

WITH shaped AS (
  SELECT s.*, c.id AS company_id, c.name AS company_name,
         coalesce(c.domain, (ARRAY['gmail.com', 'gmail.com', 'outlook.com', 'yahoo.com'])[(1 + s.n % 4)::int]) AS domain,
         t.title, t.normalized_title, t.seniority, coalesce(t.departments, '{}') AS departments,
         e.email_status, p.city, p.state, p.country, p.phone_prefix,
         lower(regexp_replace(s.first_name, '[^A-Za-z]', '', 'g')) AS f,
         lower(regexp_replace(s.last_name, '[^A-Za-z]', '', 'g')) AS l
  FROM seed_contacts s
  LEFT JOIN seed_companies c ON c.n = s.company_n
  LEFT JOIN seed_titles_slots t ON t.slot = s.title_slot
  JOIN seed_email_statuses_slots e ON e.slot = s.status_slot
  JOIN seed_places_slots p ON p.slot = coalesce(s.own_place_slot, c.place_slot)
),
local_parts AS (
  SELECT sh.*,
         CASE WHEN email_form <= 6 THEN f || '.' || l
              WHEN email_form <= 8 THEN left(f, 1) || l
              WHEN email_form = 9 THEN f || '_' || l
              ELSE f END AS local
  FROM shaped sh
),
emailed AS (
  SELECT lp.*, local || CASE WHEN k > 1 THEN k::text ELSE '' END || '@' || domain AS email
  FROM (SELECT *, row_number() OVER (PARTITION BY local, domain) AS k FROM local_parts) lp
),
inserted AS (
  INSERT INTO contacts (first_name, last_name, title, normalized_title, seniority, departments,
                        email, email_status, phone, company_id, company_name, linkedin_url,
                        city, state, country, created_at, updated_at)
  SELECT first_name, last_name, title, normalized_title, seniority, departments,
         email, email_status,
         CASE WHEN r_phone < 0.65 THEN phone_prefix || ' ' || (floor(r_phone * 1e9)::bigint % 900 + 100)
                                        || ' ' || lpad((floor(r_phone * 1e13)::bigint % 10000)::text, 4, '0') END,
         company_id, company_name,
         CASE WHEN r_linkedin < 0.85 THEN 'https://www.linkedin.com/in/' || f || '-' || l || '-'
                                          || substr(md5(n::text), 1, 8) END,
         city, state, country, created_at,
         CASE WHEN r_updated < 0.4 THEN created_at ELSE created_at + r_updated * (now() - created_at) END
  FROM emailed
  ORDER BY created_at -- the order rows arrive in, in life
  RETURNING id, updated_at
)
INSERT INTO contact_metadata (contact_id, attributes, updated_at)
SELECT id, jsonb_build_object('source', (ARRAY['apollo', 'apollo', 'import', 'manual'])[pg_temp.draw(4)]), updated_at
FROM inserted;

COMMIT;

-- Statistics for the planner, the visibility map for index-only scans, and a
-- checkpoint so that writing this data back does not fall in a measurement.
VACUUM (ANALYZE) companies, company_metadata, contacts, contact_metadata;
CHECKPOINT;
