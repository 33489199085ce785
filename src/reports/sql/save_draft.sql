INSERT INTO report_drafts (year, sections, updated_by) VALUES ($1, $2, $3)
ON CONFLICT (year) DO UPDATE SET sections = EXCLUDED.sections,
    updated_by = EXCLUDED.updated_by, updated_at = now()
