-- The items published in each hour (UTC), by category, kept by statement triggers: the yearly
-- statistics add up a year's hours instead of counting a year's items (55,000 a year in a
-- million-item catalogue). Withdrawn items keep their publication hour and still count.
-- A year in the agency's zone starts on a whole UTC hour in every zone whose offset is whole
-- hours (China's is +08:00); for other zones the statistics count the items themselves.
CREATE TABLE item_hour_counts (
    hour     timestamptz NOT NULL,
    category text NOT NULL,
    n        bigint NOT NULL CHECK (n >= 0),
    PRIMARY KEY (hour, category)
);

CREATE FUNCTION item_hour(at timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT date_bin('1 hour', at, timestamptz '2000-01-01 00:00:00+00') $$;

-- Recounts everything (after loads with the triggers off, or a repair).
CREATE FUNCTION item_hour_counts_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM item_hour_counts;
    INSERT INTO item_hour_counts (hour, category, n)
    SELECT item_hour(published_at), category, count(*) FROM items
    WHERE status IN ('published', 'withdrawn')
    GROUP BY 1, 2;
$$;
SELECT item_hour_counts_rebuild();

CREATE FUNCTION item_hour_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Rows are changed in key order, so concurrent statements lock them in the same order.
    IF TG_OP = 'INSERT' THEN
        INSERT INTO item_hour_counts AS c (hour, category, n)
        SELECT item_hour(published_at), category, count(*) FROM new_rows
        WHERE status IN ('published', 'withdrawn')
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (hour, category) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE item_hour_counts c SET n = c.n - d.n
        FROM (SELECT item_hour(published_at) AS hour, category, count(*) AS n FROM old_rows
              WHERE status IN ('published', 'withdrawn') GROUP BY 1, 2) d
        WHERE c.hour = d.hour AND c.category = d.category;
    ELSE
        INSERT INTO item_hour_counts AS c (hour, category, n)
        SELECT hour, category, sum(n) FROM (
            SELECT item_hour(published_at) AS hour, category, 1 AS n FROM new_rows
            WHERE status IN ('published', 'withdrawn')
            UNION ALL
            SELECT item_hour(published_at), category, -1 FROM old_rows
            WHERE status IN ('published', 'withdrawn')
        ) x
        GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2
        ON CONFLICT (hour, category) DO UPDATE SET n = c.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER item_hour_counts_insert AFTER INSERT ON items
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION item_hour_counts_apply();
CREATE TRIGGER item_hour_counts_update AFTER UPDATE ON items
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION item_hour_counts_apply();
CREATE TRIGGER item_hour_counts_delete AFTER DELETE ON items
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION item_hour_counts_apply();
