SELECT date_part('year', filed_on)::int AS year, kind,
       CASE WHEN decided_on IS NULL
                 OR date_part('year', decided_on) > date_part('year', filed_on)
            THEN 'pending' ELSE result END AS result,
       count(*) AS n
FROM appeals WHERE filed_on BETWEEN $1 AND $2
GROUP BY 1, 2, 3
