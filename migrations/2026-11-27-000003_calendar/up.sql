-- The working-day calendar: exceptions to "Monday to Friday work, weekends rest".
-- `holiday`: a public holiday on a weekday; `workday`: a weekend day that is a made-up
-- working day (调休). Any other date follows the weekday rule.
CREATE TABLE calendar_days (
    day  date PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('holiday', 'workday')),
    CHECK ((kind = 'holiday') = (extract(isodow FROM day) < 6))
);
