-- name: referral_closure
-- title: Referrals the provider answered (closed loop)
-- definition: Of the referrals sent whose day (the day the referral was started) falls in the
--   period, the share the receiving provider answered by accepting or declining them: the loop
--   closed with a response. A referral only marked received, or left to expire, has no response.
--   With a program, only the referrals made from its cases are counted.
-- numerator: referrals sent that the provider accepted or declined
-- denominator: referrals sent
-- unit: %
-- source: DOMAIN.md, Metrics: referral_closure
-- records: referrals
SELECT p.period, r.agency,
  count(r.responded_at) AS numerator,
  count(*) AS denominator,
  100 * CAST(count(r.responded_at) AS DOUBLE) / NULLIF(count(*), 0) AS value
FROM referrals r
JOIN periods p ON p.day = r.local_date
WHERE r.sent_at IS NOT NULL
  AND ($program IS NULL OR r.program = $program)
  AND ($area IS NULL OR r.area = $area)
GROUP BY p.period, r.agency
