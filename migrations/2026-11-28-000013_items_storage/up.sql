-- Writing a long item spent much of its time compressing. The search vector (n-grams with
-- positions, ~12 KB for a long body) does not compress enough for pglz to keep the result, yet
-- pglz tries every time: store it out of line without compression. Texts compress with lz4,
-- several times faster than pglz. Existing values keep their form until rewritten.
ALTER TABLE items ALTER COLUMN search SET STORAGE EXTERNAL;
ALTER TABLE items ALTER COLUMN body SET COMPRESSION lz4;
ALTER TABLE item_revisions ALTER COLUMN snapshot SET COMPRESSION lz4;
