DROP TABLE feedback_notes;
DROP TABLE feedback;
