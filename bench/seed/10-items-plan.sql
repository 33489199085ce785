-- The plan of every item (one small row each): status, dates, index number, topic and the
-- text pools it draws from. Variables: items (count), agency (agency code).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SELECT setseed(0.2010) \gset
SET work_mem = '256MB';

-- 98% are visible (published, 1 in 100 of those withdrawn), in publication order from 2009
-- to November 2026; the rest are the office's drafts and items awaiting review.
CREATE UNLOGGED TABLE bench.plan AS
WITH base AS (
  SELECT n, (n <= floor(:items * 0.98)) AS visible, random() AS r_topic,
         timestamptz '2009-01-05 09:00+08'
           + (n - 1 + random()) * ((timestamptz '2026-11-20 18:00+08' - timestamptz '2009-01-05 09:00+08') / floor(:items * 0.98)) AS at
  FROM generate_series(1, :items) n
), dated AS (
  SELECT b.*, CASE WHEN visible THEN extract(year FROM at AT TIME ZONE 'Asia/Shanghai')::int END AS year
  FROM base b
)
SELECT d.n, tp.t,
  CASE WHEN NOT d.visible THEN (CASE WHEN d.n % 2 = 0 THEN 'pending_review' ELSE 'draft' END)
       WHEN d.n % 100 = 37 THEN 'withdrawn' ELSE 'published' END AS status,
  CASE WHEN d.visible THEN d.at END AS published_at,
  d.year,
  CASE WHEN d.visible THEN row_number() OVER (PARTITION BY d.year ORDER BY d.n) END AS seq,
  1 + floor(random() * tp.docs)::int AS doc_j,
  CASE WHEN random() < 0.9 THEN 'valid' WHEN random() < 0.6 THEN 'amended' ELSE 'repealed' END AS validity
FROM dated d JOIN bench.topic tp ON d.r_topic >= tp.lo AND d.r_topic < tp.hi;
CREATE INDEX ON bench.plan (n);

-- Load without the secondary indexes and the triggers: indexes are rebuilt afterwards (far
-- faster than a million GIN insertions), the counts and counters are set once.
CREATE TABLE bench.saved_indexes AS
SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'items'::regclass
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid);
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT name FROM bench.saved_indexes LOOP
    EXECUTE format('DROP INDEX %I', r.name);
  END LOOP;
END $$;
ALTER TABLE items DISABLE TRIGGER USER;
