-- The catalogue of proactively published items (主动公开目录), their revisions and attachments.

-- Search terms of a text, for Chinese without spaces: every CJK character and every pair of
-- adjacent CJK characters, and every run of ASCII letters and digits, lower-cased (cut at 100
-- characters). A query term of one or two characters is then one lexeme; a longer term is the
-- AND of its pairs, rechecked against the text. The application computes the same terms in
-- Rust (src/items/search.rs, much faster); these functions fill `search` for rows written by
-- plain SQL, and a test checks that both agree.
CREATE FUNCTION cjk_ngrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT g), '{}'::text[]) FROM (
        SELECT substr(run, i, n) AS g
        FROM (SELECT m[1] AS run
              FROM regexp_matches(t, '[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+', 'g') AS m) AS runs,
             generate_series(1, char_length(run)) AS i,
             (VALUES (1), (2)) AS v(n)
        WHERE i + n - 1 <= char_length(run)
        UNION ALL
        SELECT left(lower(m[1]), 100) FROM regexp_matches(t, '[0-9A-Za-z]+', 'g') AS m
    ) AS grams
$$;

-- The weighted search vector: title (position 1, weight A), document number (2, A), summary
-- (3, B), body (4, C). array_to_tsvector would give lexemes without positions, which carry no
-- weight; the text form with quoted lexemes does, and avoids the text-search parser.
CREATE FUNCTION item_search_vector(title text, summary text, doc_no text, body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(string_agg('''' || g || ''':' || p, ' '), '')::tsvector FROM (
        SELECT unnest(cjk_ngrams(coalesce(title, ''))) AS g, '1A' AS p
        UNION ALL SELECT unnest(cjk_ngrams(coalesce(doc_no, ''))), '2A'
        UNION ALL SELECT unnest(cjk_ngrams(coalesce(summary, ''))), '3B'
        UNION ALL SELECT unnest(cjk_ngrams(coalesce(body, ''))), '4C'
    ) AS grams
$$;

-- The application sends the vector's text form (src/items/search.rs).
CREATE FUNCTION tsvector_from_text(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT t::tsvector $$;

CREATE TABLE items (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- 索引号: <agency code>/<year>-<sequence>, given when first published, never changed.
    index_no         text UNIQUE,
    title            text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    summary          text NOT NULL DEFAULT '' CHECK (char_length(summary) <= 100),
    body             text NOT NULL DEFAULT '',
    category         text NOT NULL CHECK (category IN ('organization', 'policy', 'plan', 'work', 'statistics', 'other')),
    publisher        text NOT NULL CHECK (char_length(publisher) BETWEEN 1 AND 100),
    doc_no           text CHECK (char_length(doc_no) <= 100),
    written_on       date,
    published_at     timestamptz,
    validity         text NOT NULL DEFAULT 'valid' CHECK (validity IN ('valid', 'amended', 'repealed')),
    keywords         text[] NOT NULL DEFAULT '{}',
    status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'pending_review', 'published', 'withdrawn')),
    version          integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    -- The reason of the last rejection, for the author.
    review_note      text,
    withdrawn_at     timestamptz,
    withdrawn_reason text,
    created_by_kind  text NOT NULL CHECK (created_by_kind IN ('user', 'token', 'system')),
    created_by       uuid,
    search           tsvector NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    -- Published and withdrawn items keep their index number and publication time: withdrawn
    -- items still count in the statistics of the year they were published.
    CHECK ((status IN ('published', 'withdrawn')) = (published_at IS NOT NULL AND index_no IS NOT NULL))
);
CREATE TRIGGER items_updated_at BEFORE UPDATE ON items
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Rows written by plain SQL (seeding, repairs) get their search vector here; the application
-- sends its own.
CREATE FUNCTION items_fill_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.search IS NULL OR (TG_OP = 'UPDATE'
            AND NEW.search IS NOT DISTINCT FROM OLD.search
            AND (NEW.title, NEW.summary, NEW.doc_no, NEW.body)
                IS DISTINCT FROM (OLD.title, OLD.summary, OLD.doc_no, OLD.body)) THEN
        NEW.search := item_search_vector(NEW.title, NEW.summary, NEW.doc_no, NEW.body);
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER items_fill_search BEFORE INSERT OR UPDATE ON items
    FOR EACH ROW EXECUTE FUNCTION items_fill_search();

-- The public list, newest first, read from the index alone (deferred join on id).
CREATE INDEX items_published_idx ON items (published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX items_published_category_idx ON items (category, published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX items_published_title_idx ON items (title, id) WHERE status = 'published';
-- The office's list (every status; unpublished items sort first when newest first).
CREATE INDEX items_status_idx ON items (status, published_at DESC, id DESC);
CREATE INDEX items_all_idx ON items (published_at DESC, id DESC);
CREATE INDEX items_search_idx ON items USING gin (search);

-- How many items are in each status, kept by statement triggers, so that the unfiltered list
-- can answer its exact `total` without counting a million rows on every page. Rows are
-- changed in status order, so concurrent transactions lock them in the same order.
CREATE TABLE item_counts (
    status text PRIMARY KEY,
    n      bigint NOT NULL CHECK (n >= 0)
);
INSERT INTO item_counts (status, n)
VALUES ('draft', 0), ('pending_review', 0), ('published', 0), ('withdrawn', 0);

CREATE FUNCTION item_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    statuses text[];
    deltas   bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(status ORDER BY status), array_agg(n ORDER BY status) INTO statuses, deltas
        FROM (SELECT status, count(*) AS n FROM new_rows GROUP BY status) d;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(status ORDER BY status), array_agg(-n ORDER BY status) INTO statuses, deltas
        FROM (SELECT status, count(*) AS n FROM old_rows GROUP BY status) d;
    ELSE
        SELECT array_agg(status ORDER BY status), array_agg(n ORDER BY status) INTO statuses, deltas
        FROM (SELECT status, sum(n) AS n FROM (
                  SELECT status, count(*) AS n FROM new_rows GROUP BY status
                  UNION ALL
                  SELECT status, -count(*) FROM old_rows GROUP BY status) x
              GROUP BY status HAVING sum(n) <> 0) d;
    END IF;
    IF statuses IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM item_counts WHERE status = ANY (statuses) ORDER BY status FOR UPDATE;
    UPDATE item_counts c SET n = c.n + d.n
    FROM unnest(statuses, deltas) AS d(status, n)
    WHERE c.status = d.status;
    RETURN NULL;
END;
$$;
CREATE TRIGGER item_counts_insert AFTER INSERT ON items
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION item_counts_apply();
CREATE TRIGGER item_counts_update AFTER UPDATE ON items
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION item_counts_apply();
CREATE TRIGGER item_counts_delete AFTER DELETE ON items
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION item_counts_apply();

-- Every change of an item: who, when, what, and the item as it was afterwards.
CREATE TABLE item_revisions (
    item_id    uuid NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    version    integer NOT NULL,
    action     text NOT NULL CHECK (action IN ('created', 'updated', 'submitted', 'published', 'rejected',
                                               'withdrawn', 'imported', 'attachment_added', 'attachment_removed')),
    actor_kind text NOT NULL CHECK (actor_kind IN ('user', 'token', 'system')),
    actor_id   uuid,
    at         timestamptz NOT NULL DEFAULT now(),
    changes    text[] NOT NULL DEFAULT '{}',
    note       text,
    snapshot   jsonb NOT NULL,
    PRIMARY KEY (item_id, version)
);

-- Attachment bytes live in the database, with their checksum.
CREATE TABLE item_attachments (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    item_id      uuid NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    file_name    text NOT NULL CHECK (char_length(file_name) BETWEEN 1 AND 255),
    content_type text NOT NULL,
    size         integer NOT NULL CHECK (size > 0),
    sha256       bytea NOT NULL,
    content      bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX item_attachments_item_idx ON item_attachments (item_id, created_at);

-- The guide (公开指南): one row.
CREATE TABLE guide (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id),
    office_name text NOT NULL,
    address     text NOT NULL DEFAULT '',
    hours       text NOT NULL DEFAULT '',
    phone       text NOT NULL DEFAULT '',
    fax         text NOT NULL DEFAULT '',
    email       text NOT NULL DEFAULT '',
    website     text NOT NULL DEFAULT '',
    body        text NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now()
);
