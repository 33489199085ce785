DROP TABLE yearly_counters;
