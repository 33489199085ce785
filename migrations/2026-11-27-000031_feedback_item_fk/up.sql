-- Feedback about a catalogue item names an item that exists.
ALTER TABLE feedback ADD CONSTRAINT feedback_related_item_id_fkey
    FOREIGN KEY (related_item_id) REFERENCES items (id);
