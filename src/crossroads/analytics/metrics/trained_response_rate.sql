-- name: trained_response_rate
-- title: Behavioural-health calls answered by a CIT officer or a clinician
-- definition: Of the behavioural-health calls received in the period to which a response was
--   sent (the call has a dispatch time), the share where a CIT-certified officer was among the
--   units sent or a clinician (co-responder or mobile crisis team) was sent.
-- numerator: behavioural-health calls with a response sent that included a CIT-certified officer
--   or a clinician
-- denominator: behavioural-health calls with a response sent
-- unit: %
-- source: DOMAIN.md, Metrics: trained_response_rate
-- records: calls
SELECT p.period, c.agency,
  count(*) FILTER (WHERE c.cit_unit OR c.clinician) AS numerator,
  count(*) AS denominator,
  100 * CAST(count(*) FILTER (WHERE c.cit_unit OR c.clinician) AS DOUBLE)
    / NULLIF(count(*), 0) AS value
FROM calls c
JOIN periods p ON p.day = c.local_date
WHERE c.behavioural_health
  AND c.dispatched_at IS NOT NULL
  AND ($area IS NULL OR c.area = $area)
GROUP BY p.period, c.agency
