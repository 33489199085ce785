DROP TABLE appeals;
DROP TABLE application_events;
DROP TABLE application_consultations;
DROP TABLE applicants;
DROP TABLE applications;
