SELECT version, sections, figures, published_by, published_at FROM reports WHERE year = $1 AND version = $2
