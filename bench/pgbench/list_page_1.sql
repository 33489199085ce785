-- The ceiling of GET /api/v1/items (page 1, anonymous): the page through the deferred join,
-- then the total from item_counts (src/items/list.rs).
SELECT i.id, i.index_no, i.title, i.summary, i.category, i.publisher, i.doc_no, i.written_on,
       i.published_at, i.validity, i.keywords, i.status, i.version, i.created_at, i.updated_at
FROM items i JOIN (
    SELECT t.id FROM items t WHERE t.status = 'published'
    ORDER BY t.published_at DESC, t.id DESC LIMIT 20 OFFSET 0
) p ON p.id = i.id
ORDER BY i.published_at DESC, i.id DESC;
SELECT coalesce(sum(n), 0)::bigint AS n FROM item_counts WHERE status = 'published';
