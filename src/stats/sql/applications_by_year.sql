SELECT applicant_type,
       greatest(least(date_part('year', received_on)::int, $4 + 1), $3 - 1) AS received_in,
       CASE WHEN closed_on > $2 THEN $4 + 1 ELSE date_part('year', closed_on)::int END
           AS closed_in,
       outcome, reason, count(*) AS n
FROM (
    SELECT applicant_type, received_on, closed_on, outcome, reason FROM applications
    WHERE received_on BETWEEN $1 AND $2 AND (closed_on IS NULL OR closed_on >= $1)
    UNION ALL
    SELECT applicant_type, received_on, closed_on, outcome, reason FROM applications
    WHERE (CASE WHEN closed_on < received_on THEN 'empty'::daterange
                ELSE daterange(received_on, closed_on) END) @> ($1::date - 1)
    UNION ALL
    SELECT applicant_type, received_on, closed_on, outcome, reason FROM applications
    WHERE closed_on BETWEEN $1 AND $2 AND received_on > $2
) a
GROUP BY 1, 2, 3, 4, 5
