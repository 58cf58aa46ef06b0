-- name: diverted_to_treatment
-- title: People diverted to treatment or services
-- definition: The people (counted once each per period and agency) whom the agency diverted in
--   the period: an encounter of theirs ended in a pre-booking diversion, a voluntary transport to
--   a crisis facility, or a referral without transport; or they entered the agency's LEAD or
--   Angel program (a case opened in the period and found eligible). at_encounters and
--   into_programs count the people by each route (a person can be in both). Encounters and cases
--   with no person identified are not counted, and people are never matched across agencies
--   (each agency keys its own records). It is a count: value and numerator are the same number
--   and there is no denominator.
-- numerator: people diverted (the same as value)
-- denominator: none (a count)
-- unit: people
-- source: DOMAIN.md, Grant reporting: number diverted to treatment (JMHCP, COSSUP)
-- records: encounters
WITH diverted AS (
  SELECT p.period, e.agency, e.person_key, 'encounter' AS route
  FROM encounters e
  JOIN periods p ON p.day = e.local_date
  WHERE e.disposition IN (
      'pre_booking_diversion', 'voluntary_transport_crisis_facility', 'referred_no_transport')
    AND e.person_key IS NOT NULL
    AND ($area IS NULL OR e.area = $area)
  UNION ALL
  SELECT p.period, k.agency, k.person_key, 'program' AS route
  FROM cases k
  JOIN periods p ON p.day = k.local_date
  WHERE k.program_type IN ('lead', 'angel')
    AND k.eligible
    AND k.person_key IS NOT NULL
    AND ($area IS NULL OR k.area = $area)
)
SELECT period, agency,
  count(DISTINCT person_key) AS numerator,
  CAST(NULL AS BIGINT) AS denominator,
  count(DISTINCT person_key) AS value,
  count(DISTINCT CASE WHEN route = 'encounter' THEN person_key END) AS at_encounters,
  count(DISTINCT CASE WHEN route = 'program' THEN person_key END) AS into_programs
FROM diverted
GROUP BY period, agency
