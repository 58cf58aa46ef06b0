-- name: qrt_acceptance_rate
-- title: Quick Response Team contacts that accepted help
-- definition: Of the Quick Response Team cases opened in the period in which the team reached the
--   person (as qrt_contact_rate counts them), the share in which the person accepted help (the
--   case reached accepted).
-- numerator: QRT cases reached in which the person accepted help
-- denominator: QRT cases in which the person was reached
-- unit: %
-- source: DOMAIN.md, Metrics: qrt_acceptance_rate
-- records: cases
SELECT p.period, k.agency,
  count(*) FILTER (WHERE k.accepted) AS numerator,
  count(*) AS denominator,
  100 * CAST(count(*) FILTER (WHERE k.accepted) AS DOUBLE) / NULLIF(count(*), 0) AS value
FROM cases k
JOIN periods p ON p.day = k.local_date
WHERE k.program_type = 'qrt'
  AND k.contacted_at IS NOT NULL
  AND ($program IS NULL OR k.program = $program)
  AND ($area IS NULL OR k.area = $area)
GROUP BY p.period, k.agency
