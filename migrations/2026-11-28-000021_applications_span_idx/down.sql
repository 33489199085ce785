DROP INDEX applications_closed_on_idx;
DROP INDEX applications_span_idx;
