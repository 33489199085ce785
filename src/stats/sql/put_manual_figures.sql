INSERT INTO stats_manual (year, figures, updated_by) VALUES ($1, $2, $3)
ON CONFLICT (year) DO UPDATE SET figures = EXCLUDED.figures,
    updated_by = EXCLUDED.updated_by, updated_at = now()
