SELECT y.year, c.category, sum(c.n)::bigint AS n
FROM unnest($1::int[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[],
            $5::timestamptz[]) AS y (year, starts, days_from, days_to, ends)
CROSS JOIN LATERAL (
    SELECT category, n FROM item_daily_counts
    WHERE day >= (y.days_from AT TIME ZONE 'UTC')::date
      AND day < (y.days_to AT TIME ZONE 'UTC')::date
    UNION ALL
    SELECT category, 1 FROM items
    WHERE published_at >= y.starts AND published_at < y.days_from
      AND status IN ('published', 'withdrawn')
    UNION ALL
    SELECT category, 1 FROM items
    WHERE published_at >= y.days_to AND published_at < y.ends
      AND status IN ('published', 'withdrawn')
) c
GROUP BY 1, 2
