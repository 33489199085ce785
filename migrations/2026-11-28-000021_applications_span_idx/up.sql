-- Statistics, table 3: the cases received before a year and still open when it began are the
-- cases whose span [received_on, closed_on) contains the year's eve (a still open case's span
-- has no end). Received-before and closed-after are two ranges that no b-tree serves together;
-- a GiST index over the span finds exactly those cases. A case closed before it was received
-- (data that breaks an invariant, and that the statistics report) has an empty span.
CREATE INDEX applications_span_idx ON applications USING gist (
    (CASE WHEN closed_on < received_on THEN 'empty'::daterange
          ELSE daterange(received_on, closed_on) END));

-- And the cases closed in a span but received after it (the same kind of broken data).
CREATE INDEX applications_closed_on_idx ON applications (closed_on, received_on);
