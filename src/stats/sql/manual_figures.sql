SELECT year, figures FROM stats_manual WHERE year BETWEEN $1 AND $2
