-- Vocabulary and text pools of the benchmark seed, in schema `bench` (the application never
-- reads it). Paragraphs, titles and summaries get their search vectors once here, from the
-- migration's own `item_search_vector`; a pool of documents (title, summary, document number,
-- body of 1 to 9 paragraphs) gets its vector by concatenating its parts' vectors; items copy a
-- document of their topic. That is what keeps a million items within the time budget: the
-- SQL function takes ~3.6 ms for a 1,200-character body (an hour for a million), and copying
-- a stored vector does not even compress it again. Variable: docs (pool size).
--
-- Texts are Chinese government prose assembled from phrases: common ones (镇政府, 关于, 通知,
-- 村, 工作, 会议 …) appear in most items; each item has one topic (防汛, 扶贫, 安全生产 …) whose
-- phrases appear only in that topic's items, so a two-character topic term matches roughly
-- its topic's share of the catalogue, and a one-character common term most of it.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
SELECT setseed(0.2009) \gset

CREATE FUNCTION bench.pick(a text[]) RETURNS text LANGUAGE sql VOLATILE AS
$$ SELECT a[1 + floor(random() * array_length(a, 1))::int] $$;

-- Deterministic, well-spread ids: item n has the uuid `hhhhhhhh-0000-4000-8000-<n in hex>`,
-- where hhhhhhhh is a multiplicative hash of n. The load generator and pgbench compute the
-- same id from a random n, so neither needs a list of ids.
CREATE FUNCTION bench.item_id(n bigint) RETURNS uuid LANGUAGE sql IMMUTABLE AS
$$ SELECT (lpad(to_hex((n * 2654435761) % 4294967296), 8, '0') || '-0000-4000-8000-'
           || lpad(to_hex(n), 12, '0'))::uuid $$;

CREATE AGGREGATE bench.tsv_agg(tsvector) (sfunc = tsvector_concat, stype = tsvector, initcond = '');


-- What this database was seeded with (scripts/bench reuses it when the parameters match).
CREATE TABLE bench.seed_info (params text NOT NULL, seconds numeric, seeded_at timestamptz NOT NULL DEFAULT now());
