-- Gap-free numbers per calendar year (index numbers, tracking numbers, register numbers).
-- The counter row is locked by the transaction that takes a number until it commits, so a
-- rolled-back transaction gives its number back and two transactions never share one.
CREATE TABLE yearly_counters (
    name text    NOT NULL,
    year integer NOT NULL,
    last integer NOT NULL CHECK (last >= 0),
    PRIMARY KEY (name, year)
);
