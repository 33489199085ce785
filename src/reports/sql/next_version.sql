SELECT coalesce(max(version), 0) + 1 AS version FROM reports WHERE year = $1
