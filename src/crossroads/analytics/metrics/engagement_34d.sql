-- name: engagement_34d
-- title: Engaged in treatment: two more services within 34 days (HEDIS IET engagement)
-- definition: Of the referrals sent whose day (the day the referral was started) falls in the
--   period, the share that initiated treatment (a first service within 14 days of the index
--   contact, as initiation_14d counts it) and then had at least two further services, each
--   recorded by the provider as a service attended, on the days after the first service's day
--   through the 34th day after it (the agency's calendar days, as HEDIS IET counts them: a second
--   service on the first one's own day does not count). `initiated` gives the initiation count
--   beside it. With a program, only the referrals made from its cases are counted. The services
--   are the treatment provider's reports (42 CFR Part 2 records).
-- numerator: referrals sent that initiated treatment and had two or more further services within
--   34 days of the first
-- denominator: referrals sent
-- unit: %
-- source: DOMAIN.md, Metrics: engagement_34d (HEDIS IET, engagement)
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
), further AS (
  SELECT f.referral_id, count(*) AS later_services
  FROM first_days f
  JOIN services s ON s.referral_id = f.referral_id
  WHERE date_diff('day', f.first_day, s.local_date) BETWEEN 1 AND 34
  GROUP BY f.referral_id
), judged AS (
  SELECT t.period, t.agency,
    t.first_service_at IS NOT NULL
      AND date_diff('day', t.index_day, f.first_day) <= 13 AS initiated_in_time,
    coalesce(n.later_services, 0) >= 2 AS two_more_in_time
  FROM sent t
  LEFT JOIN first_days f ON f.referral_id = t.referral_id
  LEFT JOIN further n ON n.referral_id = t.referral_id
)
SELECT period, agency,
  count(*) FILTER (WHERE initiated_in_time AND two_more_in_time) AS numerator,
  count(*) AS denominator,
  100 * CAST(count(*) FILTER (WHERE initiated_in_time AND two_more_in_time) AS DOUBLE)
    / NULLIF(count(*), 0) AS value,
  count(*) FILTER (WHERE initiated_in_time) AS initiated
FROM judged
GROUP BY period, agency
