-- Writes the items lo..hi of the plan (two sessions load halves at once). Variables: lo, hi, agency.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET synchronous_commit = off;
INSERT INTO items (id, index_no, title, summary, body, category, publisher, doc_no, written_on,
                   published_at, validity, keywords, status, version, withdrawn_at, withdrawn_reason,
                   created_by_kind, search, headline, created_at, updated_at)
SELECT bench.item_id(p.n),
  CASE WHEN p.seq IS NOT NULL THEN :'agency' || '/' || p.year || '-'
       || CASE WHEN p.seq < 100000 THEN lpad(p.seq::text, 5, '0') ELSE p.seq::text END END,
  d.title, d.summary, d.body, tp.category, '朱台镇人民政府', d.doc_no,
  coalesce((p.published_at AT TIME ZONE 'Asia/Shanghai')::date - (p.n % 9)::int, date '2026-11-20'),
  p.published_at, p.validity, ARRAY[tp.name], p.status, 1,
  CASE WHEN p.status = 'withdrawn' THEN p.published_at + interval '30 days' END,
  CASE WHEN p.status = 'withdrawn' THEN '内容已过时效，予以撤回' END,
  'system', d.vec, d.headline,
  coalesce(p.published_at - interval '2 days', timestamptz '2026-11-20 10:00+08' + (p.n % 1000) * interval '1 minute'),
  coalesce(p.published_at, timestamptz '2026-11-20 10:00+08' + (p.n % 1000) * interval '1 minute')
FROM bench.plan p
JOIN bench.topic tp ON tp.t = p.t
JOIN bench.doc d ON d.t = p.t AND d.j = p.doc_j
WHERE p.n BETWEEN :lo AND :hi;
