ALTER TABLE feedback DROP CONSTRAINT feedback_related_item_id_fkey;
