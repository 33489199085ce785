DROP TRIGGER item_hour_counts_delete ON items;
DROP TRIGGER item_hour_counts_update ON items;
DROP TRIGGER item_hour_counts_insert ON items;
DROP FUNCTION item_hour_counts_apply();
DROP FUNCTION item_hour_counts_rebuild();
DROP FUNCTION item_hour(timestamptz);
DROP TABLE item_hour_counts;
