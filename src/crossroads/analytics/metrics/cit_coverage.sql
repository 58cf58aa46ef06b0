-- name: cit_coverage
-- title: CIT coverage of patrol officers
-- definition: On the last day of each period (within the range asked for), the share of patrol
--   officers who held a CIT certification valid that day. A patrol officer counts from the day
--   their account became active; a certification is valid from the day it was issued to the day
--   it expires, both included. An officer holding two overlapping CIT certifications counts once.
--   Officers are not placed in areas, so there is no area breakdown.
-- numerator: patrol officers holding a CIT certification valid on the period's last day
-- denominator: patrol officers active on the period's last day
-- unit: %
-- source: DOMAIN.md, Metrics: cit_coverage
-- records: officers
WITH period_ends AS (
  SELECT period, max(day) AS day FROM periods GROUP BY period
), patrol AS (
  SELECT pe.period, pe.day, o.agency, o.officer_key
  FROM officers o
  JOIN period_ends pe ON o.active_from <= pe.day
  WHERE o.patrol
), certified AS (
  -- DISTINCT: a renewal that overlaps the old certification must not count the officer twice.
  SELECT DISTINCT pe.period, c.agency, c.officer_key
  FROM certifications c
  JOIN period_ends pe ON c.issued_on <= pe.day AND pe.day <= c.expires_on
  WHERE c.course = 'cit'
)
SELECT o.period, o.agency,
  count(c.officer_key) AS numerator,
  count(*) AS denominator,
  100 * CAST(count(c.officer_key) AS DOUBLE) / NULLIF(count(*), 0) AS value
FROM patrol o
LEFT JOIN certified c
  ON c.period = o.period AND c.agency = o.agency AND c.officer_key = o.officer_key
GROUP BY o.period, o.agency
