-- Yearly statistics that the system cannot count itself (table 2 of the national format),
-- and the annual reports: a draft per year and the published, frozen versions.

CREATE TABLE stats_manual (
    year       integer PRIMARY KEY CHECK (year BETWEEN 1900 AND 2100),
    figures    jsonb NOT NULL,
    updated_by uuid REFERENCES users (id),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE report_drafts (
    year       integer PRIMARY KEY CHECK (year BETWEEN 1900 AND 2100),
    sections   jsonb NOT NULL,
    updated_by uuid REFERENCES users (id),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- A published report never changes: publishing again adds a version.
CREATE TABLE reports (
    year         integer NOT NULL CHECK (year BETWEEN 1900 AND 2100),
    version      integer NOT NULL CHECK (version >= 1),
    sections     jsonb NOT NULL,
    -- The figures as they were when the report was published.
    figures      jsonb NOT NULL,
    published_by uuid REFERENCES users (id),
    published_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (year, version)
);

CREATE FUNCTION reports_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'published reports cannot be changed; publish a new version'
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER reports_no_update BEFORE UPDATE OR DELETE ON reports
    FOR EACH ROW EXECUTE FUNCTION reports_frozen();
