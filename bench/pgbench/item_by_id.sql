-- The ceiling of GET /api/v1/items/{id}: the one statement its handler runs
-- (src/items/repo.rs load_with_attachments: the item row without its search vectors, with its
-- attachments' metadata as JSON), for a random visible item (ids as in
-- bench/seed/00-schema.sql, bench.item_id).
\set n random(1, :nvis)
\set n CASE WHEN :n % 100 = 37 THEN :n + 1 ELSE :n END
SELECT id, index_no, title, summary, body, category, publisher, doc_no, written_on, published_at,
       validity, keywords, status, version, review_note, withdrawn_at, withdrawn_reason, created_at,
       updated_at, item_attachments_json(id)
FROM items
WHERE id = (lpad(to_hex((:n::bigint * 2654435761) % 4294967296), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(:n::bigint), 12, '0'))::uuid
LIMIT 1;
