SELECT version FROM reports WHERE year = $1 ORDER BY version
