-- One numbering batch of a year, run under the year's numbering lock so that its snapshot sees
-- every earlier batch: the year's unnumbered applications in order of receipt, the counter
-- moved by their number, and the numbers (as `counters::format_yearly` writes them). `mine` is
-- the number of application $4, given now or by an earlier batch.
-- $1, $2: the year's first and last day; $3: the year; $4: the application.
WITH pending AS (
    SELECT id, row_number() OVER (ORDER BY created_at, id) AS k, count(*) OVER () AS n
    FROM applications
    WHERE tracking_no IS NULL AND received_on BETWEEN $1 AND $2
), counter AS (
    INSERT INTO yearly_counters (name, year, last)
    SELECT 'application', $3, count(*) FROM pending HAVING count(*) > 0
    ON CONFLICT (name, year) DO UPDATE SET last = yearly_counters.last + EXCLUDED.last
    RETURNING last
), numbered AS (
    UPDATE applications a
    SET tracking_no = $3::text || '-' || CASE WHEN c.last - p.n + p.k < 100000
        THEN lpad((c.last - p.n + p.k)::text, 5, '0') ELSE (c.last - p.n + p.k)::text END
    FROM pending p, counter c
    WHERE a.id = p.id
    RETURNING a.id, a.tracking_no
)
SELECT coalesce((SELECT tracking_no FROM numbered WHERE id = $4),
                (SELECT tracking_no FROM applications WHERE id = $4)) AS mine
