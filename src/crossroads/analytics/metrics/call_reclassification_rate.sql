-- name: call_reclassification_rate
-- title: Behavioural-health calls reclassified
-- definition: Of the behavioural-health calls received in the period whose final call type was
--   recorded (not blank), the share whose final type differs from the type the call was first
--   given (compared exactly, as coded). Calls are often reclassified once a responder is on scene,
--   and the mismatch itself is a measure of how well call-takers recognise behavioural health.
-- numerator: behavioural-health calls whose final call type differs from the initial one
-- denominator: behavioural-health calls with a final call type
-- unit: %
-- source: DOMAIN.md, Workflows: Call ("calls are often reclassified, and the mismatch itself is
--   a measure")
-- records: calls
SELECT p.period, c.agency,
  count(*) FILTER (WHERE c.final_call_type <> c.initial_call_type) AS numerator,
  count(*) AS denominator,
  100 * CAST(count(*) FILTER (WHERE c.final_call_type <> c.initial_call_type) AS DOUBLE)
    / NULLIF(count(*), 0) AS value
FROM calls c
JOIN periods p ON p.day = c.local_date
WHERE c.behavioural_health
  AND c.final_call_type IS NOT NULL AND c.final_call_type <> ''
  AND ($area IS NULL OR c.area = $area)
GROUP BY p.period, c.agency
