SELECT sections, updated_by, updated_at FROM report_drafts WHERE year = $1
