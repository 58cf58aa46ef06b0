-- name: rearrest
-- title: People arrested again within 180 and 365 days
-- definition: Of the people at risk in the period, the share arrested and booked again within
--   k days (k = 180 or 365; the category) after their index date: an encounter of the same person
--   record ending in arrest and booking, strictly after the index and no more than k days
--   (k times 24 hours) after it, even past the end of the range asked for. These are arrests,
--   not convictions, as the LEAD evaluation counted them. Without a program, the people at risk
--   are those with an encounter in the period that had an arrest basis (arrest and booking,
--   citation or pre-booking diversion), and the index is the first such encounter. With a
--   program, they are the people whose case in that program opened in the period, the index is
--   the case's opening, and the row's agency is the program's. With an area, the index encounter
--   (or the encounter the case was opened from) must be in that area. No comparison group here:
--   the evaluation compares groups.
-- numerator: people at risk with an arrest and booking within k days after the index
-- denominator: people at risk (with an arrest basis in the period, or a case opened in it)
-- unit: %
-- source: DOMAIN.md, Metrics: rearrest_k
-- records: encounters
WITH at_risk AS (
  SELECT p.period, e.agency, e.person_key, min(e.occurred_at) AS index_at
  FROM encounters e
  JOIN periods p ON p.day = e.local_date
  WHERE $program IS NULL
    AND e.person_key IS NOT NULL
    AND e.disposition IN ('arrest_booked', 'citation', 'pre_booking_diversion')
    AND ($area IS NULL OR e.area = $area)
  GROUP BY p.period, e.agency, e.person_key
  UNION ALL
  SELECT p.period, k.agency, k.person_key, min(k.opened_at) AS index_at
  FROM cases k
  JOIN periods p ON p.day = k.local_date
  WHERE k.program = $program
    AND k.person_key IS NOT NULL
    AND ($area IS NULL OR k.area = $area)
  GROUP BY p.period, k.agency, k.person_key
), rearrested AS (
  -- Joined on the person key alone: it names one agency's person record, and a program's case
  -- points at the record of the agency that met the person, whose encounters hold the arrests.
  SELECT r.period, r.agency, r.person_key, r.index_at, min(a.occurred_at) AS arrested_at
  FROM at_risk r
  LEFT JOIN encounters a
    ON a.person_key = r.person_key AND a.disposition = 'arrest_booked'
    AND a.occurred_at > r.index_at AND a.occurred_at <= r.index_at + INTERVAL 365 DAY
  GROUP BY r.period, r.agency, r.person_key, r.index_at
), windows AS (
  SELECT period, agency, '180' AS category,
    arrested_at <= index_at + INTERVAL 180 DAY AS again
  FROM rearrested
  UNION ALL
  SELECT period, agency, '365', arrested_at IS NOT NULL FROM rearrested
)
SELECT period, agency, category,
  count(*) FILTER (WHERE again) AS numerator,
  count(*) AS denominator,
  100 * CAST(count(*) FILTER (WHERE again) AS DOUBLE) / NULLIF(count(*), 0) AS value
FROM windows
GROUP BY period, agency, category
