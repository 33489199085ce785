DROP TRIGGER items_daily_counts_delete ON items;
DROP TRIGGER items_daily_counts_update ON items;
DROP TRIGGER items_daily_counts_insert ON items;
DROP FUNCTION item_daily_counts_rebuild();
DROP FUNCTION item_daily_counts_apply();
DROP TABLE item_daily_counts;
