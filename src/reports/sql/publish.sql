INSERT INTO reports (year, version, sections, figures, published_by) VALUES ($1, $2, $3, $4, $5)
