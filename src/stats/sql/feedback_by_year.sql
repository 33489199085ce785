SELECT date_part('year', received_on)::int AS year, kind, channel, count(*) AS received,
       count(*) FILTER (WHERE date_part('year', replied_on) <= date_part('year', received_on))
           AS replied,
       count(*) FILTER (WHERE date_part('year', replied_on) <= date_part('year', received_on)
                          AND replied_on <= reply_due_on) AS on_time
FROM feedback WHERE received_on BETWEEN $1 AND $2
GROUP BY 1, 2, 3
