-- name: cost_estimate
-- title: Estimated jail days, jail cost and emergency-department cost avoided
-- definition: An estimate from the agency's own parameters (cost of a jail day, average jail
--   days after a booking, cost of an ED visit), never from constants. It assumes each encounter
--   that ended without a booking though it had an arrest basis (a pre-booking diversion or a
--   citation, the diversions of diversion_rate) avoided one booking of the agency's average length,
--   and each voluntary transport to a crisis facility avoided one emergency-department visit;
--   neither is measured against a comparison group, so read it as what the diversions would be
--   worth on those assumptions. Three rows per period (category): jail_days_avoided (diversions
--   x jail days per booking), jail_cost_avoided (diversions x jail days per booking x cost of a
--   jail day, $) and ed_cost_avoided (crisis-facility transports x cost of an ED visit, $). A
--   parameter the agency left empty leaves its estimate empty; the parameters are given beside
--   each row. With a program, only the encounters its cases were opened from are counted.
-- numerator: encounters that ended in a pre-booking diversion or a citation (jail rows), or in
--   a voluntary transport to a crisis facility (ED row)
-- denominator: none (an estimate)
-- unit: days or $ (by category)
-- source: DOMAIN.md, Metrics: cost estimates (parameters, never constants)
-- records: encounters
WITH counted AS (
  SELECT p.period, e.agency,
    count(*) FILTER (WHERE e.disposition IN ('pre_booking_diversion', 'citation')) AS diversions,
    count(*) FILTER (WHERE e.disposition = 'voluntary_transport_crisis_facility')
      AS crisis_transports
  FROM encounters e
  JOIN periods p ON p.day = e.local_date
  WHERE ($area IS NULL OR e.area = $area)
    AND ($program IS NULL OR e.encounter_id IN (
      SELECT k.encounter_id FROM cases k WHERE k.program = $program))
  GROUP BY p.period, e.agency
), priced AS (
  SELECT c.*, a.jail_days_per_booking, a.jail_day_cost, a.ed_visit_cost
  FROM counted c
  LEFT JOIN agencies a ON a.agency = c.agency
)
SELECT period, agency, 'jail_days_avoided' AS category,
  diversions AS numerator, CAST(NULL AS BIGINT) AS denominator,
  diversions * jail_days_per_booking AS value,
  jail_days_per_booking, jail_day_cost, ed_visit_cost
FROM priced
UNION ALL
SELECT period, agency, 'jail_cost_avoided' AS category,
  diversions AS numerator, CAST(NULL AS BIGINT) AS denominator,
  diversions * jail_days_per_booking * jail_day_cost AS value,
  jail_days_per_booking, jail_day_cost, ed_visit_cost
FROM priced
UNION ALL
SELECT period, agency, 'ed_cost_avoided' AS category,
  crisis_transports AS numerator, CAST(NULL AS BIGINT) AS denominator,
  crisis_transports * ed_visit_cost AS value,
  jail_days_per_booking, jail_day_cost, ed_visit_cost
FROM priced
