-- After the load and the index rebuild: triggers back on, exact counts, index counters.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
ALTER TABLE items ENABLE TRIGGER USER;
UPDATE item_counts c SET n = coalesce((SELECT n FROM (SELECT status, count(*) AS n FROM items GROUP BY status) x
                                       WHERE x.status = c.status), 0);
INSERT INTO yearly_counters (name, year, last)
SELECT 'item_index', year, max(seq) FROM bench.plan WHERE seq IS NOT NULL GROUP BY year
ON CONFLICT (name, year) DO UPDATE SET last = GREATEST(yearly_counters.last, EXCLUDED.last);
-- The stored per-day publication counts (migration 000012), when the schema has them: their
-- trigger was off during the load.
DO $$ BEGIN
    IF to_regprocedure('item_daily_counts_rebuild()') IS NOT NULL THEN
        PERFORM item_daily_counts_rebuild();
    END IF;
END $$;
