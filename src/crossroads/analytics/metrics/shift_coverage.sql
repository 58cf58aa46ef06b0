-- name: shift_coverage
-- title: Shifts with a CIT-certified officer on duty
-- definition: Of the shifts rostered in the period (one per precinct, watch and day that anybody
--   was rostered on), the share that had at least one officer on duty holding a CIT
--   certification valid that day. The area is the precinct.
-- numerator: rostered shifts with at least one CIT-certified officer on duty
-- denominator: rostered shifts
-- unit: %
-- source: DOMAIN.md, Metrics: shift_coverage
-- records: shifts
SELECT p.period, s.agency,
  count(*) FILTER (WHERE s.certified >= 1) AS numerator,
  count(*) AS denominator,
  100 * CAST(count(*) FILTER (WHERE s.certified >= 1) AS DOUBLE) / NULLIF(count(*), 0) AS value
FROM shifts s
JOIN periods p ON p.day = s.local_date
WHERE ($area IS NULL OR s.area = $area)
GROUP BY p.period, s.agency
