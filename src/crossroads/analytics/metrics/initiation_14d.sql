-- name: initiation_14d
-- title: Treatment started within 14 days of the first contact (HEDIS IET initiation)
-- definition: Of the referrals sent whose day (the day the referral was started) falls in the
--   period, the share whose first treatment service came on the day of the index contact or one
--   of the 13 days after it: 14 days in all, counted in the agency's calendar days as HEDIS IET
--   counts them. The index contact is the encounter the referral was made from; for a referral
--   made from a program case or for a walk-in, the day the referral was started. The first
--   service's day is the day of the earliest service the provider recorded. With a program, only
--   the referrals made from its cases are counted. The services
--   are the treatment provider's reports (42 CFR Part 2 records).
-- numerator: referrals sent whose first service came within 14 days of the index contact
-- denominator: referrals sent
-- unit: %
-- source: DOMAIN.md, Metrics: initiation_14d (HEDIS IET, initiation)
-- records: referrals
-- part2: true
WITH sent AS (
  SELECT p.period, r.agency, r.referral_id, r.first_service_at,
    coalesce(e.local_date, r.local_date) AS index_day
  FROM referrals r
  JOIN periods p ON p.day = r.local_date
  LEFT JOIN encounters e ON e.encounter_id = r.encounter_id AND e.agency = r.agency
  WHERE r.sent_at IS NOT NULL
    AND ($program IS NULL OR r.program = $program)
    AND ($area IS NULL OR r.area = $area)
), first_days AS (
  SELECT s.referral_id, min(s.local_date) AS first_day
  FROM services s
  GROUP BY s.referral_id
), judged AS (
  SELECT t.period, t.agency,
    t.first_service_at IS NOT NULL
      AND date_diff('day', t.index_day, f.first_day) <= 13 AS initiated
  FROM sent t
  LEFT JOIN first_days f ON f.referral_id = t.referral_id
)
SELECT period, agency,
  count(*) FILTER (WHERE initiated) AS numerator,
  count(*) AS denominator,
  100 * CAST(count(*) FILTER (WHERE initiated) AS DOUBLE) / NULLIF(count(*), 0) AS value
FROM judged
GROUP BY period, agency
