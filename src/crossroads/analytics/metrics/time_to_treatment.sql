-- name: time_to_treatment
-- title: Days from the first contact to the first treatment service
-- definition: Of the referrals sent whose day (the day the referral was started) falls in the
--   period, those that reached a first treatment service, and how long that took: the days from
--   the index contact to the first service the provider recorded, the median (value) and the 90th
--   percentile (p90_days), in elapsed time (36 hours is 1.5 days). The index contact is the
--   encounter the referral was made from; for a referral made from a program case or for a
--   walk-in, it is when the referral was started. Referrals that reached no first service are in
--   the denominator only. With a program, only the referrals made from its cases are counted.
--   The services are the treatment provider's reports (42 CFR Part 2 records).
-- numerator: referrals sent that reached a first service
-- denominator: referrals sent
-- unit: days (median)
-- source: DOMAIN.md, Metrics: time_to_treatment
-- records: referrals
-- part2: true
WITH sent AS (
  SELECT p.period, r.agency, r.first_service_at,
    CAST(epoch(r.first_service_at) - epoch(coalesce(e.occurred_at, r.created_at)) AS DOUBLE)
      / 86400 AS days
  FROM referrals r
  JOIN periods p ON p.day = r.local_date
  LEFT JOIN encounters e ON e.encounter_id = r.encounter_id AND e.agency = r.agency
  WHERE r.sent_at IS NOT NULL
    AND ($program IS NULL OR r.program = $program)
    AND ($area IS NULL OR r.area = $area)
)
SELECT period, agency,
  count(first_service_at) AS numerator,
  count(*) AS denominator,
  median(days) AS value,
  quantile_cont(days, 0.9) AS p90_days
FROM sent
GROUP BY period, agency
