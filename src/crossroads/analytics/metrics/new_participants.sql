-- name: new_participants
-- title: New program participants, by program type
-- definition: The cases opened in the period, by the type of program (category: angel, lead,
--   qrt, co_responder, cit_follow_up), leaving out those found ineligible: a presentation
--   screened out never had a participant. A case whose eligibility is not decided yet counts.
--   It is a count, so value and numerator are the same number and there is no denominator;
--   `opened` gives every case opened, the ineligible included.
-- numerator: cases opened and not found ineligible (the same as value)
-- denominator: none (a count)
-- unit: participants
-- source: DOMAIN.md, Grant reporting: new participants (JMHCP, COSSUP)
-- records: cases
SELECT p.period, k.agency, k.program_type AS category,
  count(*) FILTER (WHERE coalesce(k.eligible, true)) AS numerator,
  CAST(NULL AS BIGINT) AS denominator,
  count(*) FILTER (WHERE coalesce(k.eligible, true)) AS value,
  count(*) AS opened
FROM cases k
JOIN periods p ON p.day = k.local_date
WHERE ($program IS NULL OR k.program = $program)
  AND ($area IS NULL OR k.area = $area)
GROUP BY p.period, k.agency, k.program_type
