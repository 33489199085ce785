-- The client's address of each audited action (behind trusted proxies, the hop they name).
ALTER TABLE audit_log ADD COLUMN client_ip text;
