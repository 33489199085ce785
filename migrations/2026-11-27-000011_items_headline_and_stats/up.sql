-- Relevance that does not read every match. Ranking with ts_rank reads the whole search vector
-- of every matching item, which for a common term is most of a million-item catalogue. Instead
-- an item whose title or document number contains the query ranks first, then the others,
-- newest first within each: both halves are read in index order, a page at a time.
-- `headline` holds the title and document-number n-grams (the weight-A part of `search`).
ALTER TABLE items ADD COLUMN headline tsvector;
UPDATE items SET headline = item_search_vector(title, '', doc_no, '');
ALTER TABLE items ALTER COLUMN headline SET NOT NULL;

-- Rows written by plain SQL (seeding, repairs) get both vectors here; the application sends
-- its own.
CREATE OR REPLACE FUNCTION items_fill_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.search IS NULL OR (TG_OP = 'UPDATE'
            AND NEW.search IS NOT DISTINCT FROM OLD.search
            AND (NEW.title, NEW.summary, NEW.doc_no, NEW.body)
                IS DISTINCT FROM (OLD.title, OLD.summary, OLD.doc_no, OLD.body)) THEN
        NEW.search := item_search_vector(NEW.title, NEW.summary, NEW.doc_no, NEW.body);
    END IF;
    IF NEW.headline IS NULL OR (TG_OP = 'UPDATE'
            AND NEW.headline IS NOT DISTINCT FROM OLD.headline
            AND (NEW.title, NEW.doc_no) IS DISTINCT FROM (OLD.title, OLD.doc_no)) THEN
        NEW.headline := item_search_vector(NEW.title, '', NEW.doc_no, '');
    END IF;
    RETURN NEW;
END;
$$;

CREATE INDEX items_headline_idx ON items USING gin (headline);

-- Statistics: the items published in each year, by category, from this index alone.
CREATE INDEX items_stats_idx ON items (published_at) INCLUDE (category)
    WHERE status IN ('published', 'withdrawn');
