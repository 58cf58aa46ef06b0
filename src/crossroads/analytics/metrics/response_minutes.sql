-- name: response_minutes
-- title: Minutes from call to arrival, behavioural-health calls
-- definition: For the behavioural-health calls received in the period on which a responder
--   arrived, the minutes from the call being received to the first arrival on scene: the median
--   (value), the 90th percentile (p90_minutes), and the share that arrived within the agency's
--   response target (within_target_share, with target_minutes beside it; empty when the agency has
--   set no target). Calls with no arrival (cancelled, unable to locate) are left out.
-- numerator: calls on which a responder arrived within the agency's target (empty with no target)
-- denominator: behavioural-health calls with an arrival
-- unit: minutes (median)
-- source: DOMAIN.md, Metrics: response_minutes
-- records: calls
WITH arrivals AS (
  SELECT p.period, c.agency,
    CAST(epoch(c.arrived_at) - epoch(c.received_at) AS DOUBLE) / 60 AS minutes
  FROM calls c
  JOIN periods p ON p.day = c.local_date
  WHERE c.behavioural_health
    AND c.arrived_at IS NOT NULL
    AND ($area IS NULL OR c.area = $area)
)
SELECT r.period, r.agency,
  CASE WHEN a.response_target_minutes IS NOT NULL
    THEN count(*) FILTER (WHERE r.minutes <= a.response_target_minutes) END AS numerator,
  count(*) AS denominator,
  median(r.minutes) AS value,
  quantile_cont(r.minutes, 0.9) AS p90_minutes,
  a.response_target_minutes AS target_minutes,
  CASE WHEN a.response_target_minutes IS NOT NULL
    THEN 100 * CAST(count(*) FILTER (WHERE r.minutes <= a.response_target_minutes) AS DOUBLE)
      / NULLIF(count(*), 0) END AS within_target_share
FROM arrivals r
LEFT JOIN agencies a ON a.agency = r.agency
GROUP BY r.period, r.agency, a.response_target_minutes
