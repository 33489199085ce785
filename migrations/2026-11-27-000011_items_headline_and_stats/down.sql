DROP INDEX items_stats_idx;
DROP INDEX items_headline_idx;
CREATE OR REPLACE FUNCTION items_fill_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.search IS NULL OR (TG_OP = 'UPDATE'
            AND NEW.search IS NOT DISTINCT FROM OLD.search
            AND (NEW.title, NEW.summary, NEW.doc_no, NEW.body)
                IS DISTINCT FROM (OLD.title, OLD.summary, OLD.doc_no, OLD.body)) THEN
        NEW.search := item_search_vector(NEW.title, NEW.summary, NEW.doc_no, NEW.body);
    END IF;
    RETURN NEW;
END;
$$;
ALTER TABLE items DROP COLUMN headline;
