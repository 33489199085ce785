DROP TABLE reports;
DROP FUNCTION reports_frozen();
DROP TABLE report_drafts;
DROP TABLE stats_manual;
