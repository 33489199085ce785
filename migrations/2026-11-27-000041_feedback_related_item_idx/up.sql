-- The foreign key from feedback to items is checked on every delete of an item (a draft, or
-- rows removed by hand); without an index that check reads the whole feedback register.
CREATE INDEX feedback_related_item_idx ON feedback (related_item_id) WHERE related_item_id IS NOT NULL;
