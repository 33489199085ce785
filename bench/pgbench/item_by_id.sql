-- The ceiling of GET /api/v1/items/{id}: the two statements its handler runs (src/items:
-- load_visible = the item row without its search vector, then its attachments' metadata),
-- for a random visible item (ids as in bench/seed/00-vocabulary.sql, bench.item_id).
\set n random(1, :nvis)
\set n CASE WHEN :n % 100 = 37 THEN :n + 1 ELSE :n END
SELECT id, index_no, title, summary, body, category, publisher, doc_no, written_on, published_at,
       validity, keywords, status, version, review_note, withdrawn_at, withdrawn_reason, created_at, updated_at
FROM items
WHERE id = (lpad(to_hex((:n::bigint * 2654435761) % 4294967296), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(:n::bigint), 12, '0'))::uuid
LIMIT 1;
SELECT id, file_name, content_type, size, sha256, created_at
FROM item_attachments
WHERE item_id = (lpad(to_hex((:n::bigint * 2654435761) % 4294967296), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(:n::bigint), 12, '0'))::uuid
ORDER BY created_at, id;
