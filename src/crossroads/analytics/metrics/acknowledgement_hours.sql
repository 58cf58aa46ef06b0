-- name: acknowledgement_hours
-- title: Hours from sending a referral to the provider's acknowledgement
-- definition: Of the referrals sent whose day (the day the referral was started) falls in the
--   period and that the provider acknowledged (its first answer: received, accepted or
--   declined), the hours from sending to that acknowledgement: the median (value) and the 90th
--   percentile (p90_hours); and the share acknowledged at or before the time the referral's
--   urgency set for it (on_time_share). Referrals never acknowledged are left out here (see
--   referral_closure). With a program, only the referrals made from its cases are counted.
-- numerator: referrals acknowledged at or before their acknowledgement time
-- denominator: referrals acknowledged
-- unit: hours (median)
-- source: DOMAIN.md, Metrics: referral_closure (time to acknowledgement)
-- records: referrals
WITH acknowledged AS (
  SELECT p.period, r.agency,
    r.acknowledged_at <= r.acknowledge_by AS on_time,
    CAST(epoch(r.acknowledged_at) - epoch(r.sent_at) AS DOUBLE) / 3600 AS hours
  FROM referrals r
  JOIN periods p ON p.day = r.local_date
  WHERE r.sent_at IS NOT NULL
    AND r.acknowledged_at IS NOT NULL
    AND ($program IS NULL OR r.program = $program)
    AND ($area IS NULL OR r.area = $area)
)
SELECT period, agency,
  count(*) FILTER (WHERE on_time) AS numerator,
  count(*) AS denominator,
  median(hours) AS value,
  quantile_cont(hours, 0.9) AS p90_hours,
  100 * CAST(count(*) FILTER (WHERE on_time) AS DOUBLE) / NULLIF(count(*), 0) AS on_time_share
FROM acknowledged
GROUP BY period, agency
