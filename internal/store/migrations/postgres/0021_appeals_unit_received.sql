-- The lists of one unit's appeals in a period (the drill-down of a unit's
-- rates, a unit's appeals by month): without it a unit and a range of
-- receipt are answered through appeals_unit_status, every appeal the
-- unit ever had read and sorted (about a second for the busiest unit of
-- five million appeals).
CREATE INDEX appeals_unit_received ON appeals(unit_id, received_at);
