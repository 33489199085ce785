DROP INDEX feedback_related_item_idx;
