-- The ceiling of GET /api/v1/items (page 1, anonymous): the page read directly with its limit
-- written in (src/items/list/sql.rs near_page_sql), then the total from item_counts.
SELECT i.id, i.index_no, i.title, i.summary, i.category, i.publisher, i.doc_no, i.written_on,
       i.published_at, i.validity, i.keywords, i.status, i.version, i.created_at, i.updated_at
FROM items i WHERE i.status = 'published'
ORDER BY i.published_at DESC, i.id DESC LIMIT 20;
SELECT coalesce(sum(n), 0)::bigint AS n FROM item_counts WHERE status = 'published';
