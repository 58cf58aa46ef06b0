-- name: repeat_contact
-- title: People met again within 30, 90 and 365 days
-- definition: Of the people seen in the period (with an encounter whose day falls in it), the
--   share who had another encounter with the same agency within k days (k = 30, 90 or 365; the
--   category) after their first encounter in the period. "Another" means any later encounter of
--   the same person record, strictly after the first and no more than k days (k times 24 hours)
--   after it, even when it falls after the end of the range asked for, so a recent period's
--   share can still grow. Every encounter here is a behavioural-health encounter. With an area,
--   the people seen are those met in that area (their first encounter there is the index); the
--   later encounter may be anywhere. With a program, only people with a case in the program count.
-- numerator: people seen with another encounter within k days after their first in the period
-- denominator: people seen in the period (distinct people with an encounter)
-- unit: %
-- source: DOMAIN.md, Metrics: repeat_contact_k
-- records: encounters
WITH seen AS (
  SELECT p.period, e.agency, e.person_key, e.occurred_at,
    row_number() OVER (
      PARTITION BY p.period, e.agency, e.person_key ORDER BY e.occurred_at, e.encounter_id
    ) AS nth
  FROM encounters e
  JOIN periods p ON p.day = e.local_date
  WHERE e.person_key IS NOT NULL
    AND ($area IS NULL OR e.area = $area)
    AND ($program IS NULL OR e.person_key IN (
      SELECT k.person_key FROM cases k WHERE k.program = $program))
), followed AS (
  -- The next encounter of the person within the longest window, read from every encounter (not
  -- only the range asked for).
  SELECT s.period, s.agency, s.person_key, s.occurred_at AS index_at,
    min(f.occurred_at) AS next_at
  FROM seen s
  LEFT JOIN encounters f
    ON f.agency = s.agency AND f.person_key = s.person_key
    AND f.occurred_at > s.occurred_at AND f.occurred_at <= s.occurred_at + INTERVAL 365 DAY
  WHERE s.nth = 1
  GROUP BY s.period, s.agency, s.person_key, s.occurred_at
), windows AS (
  SELECT period, agency, '30' AS category, next_at <= index_at + INTERVAL 30 DAY AS again
  FROM followed
  UNION ALL
  SELECT period, agency, '90', next_at <= index_at + INTERVAL 90 DAY FROM followed
  UNION ALL
  SELECT period, agency, '365', next_at IS NOT NULL FROM followed
)
SELECT period, agency, category,
  count(*) FILTER (WHERE again) AS numerator,
  count(*) AS denominator,
  100 * CAST(count(*) FILTER (WHERE again) AS DOUBLE) / NULLIF(count(*), 0) AS value
FROM windows
GROUP BY period, agency, category
