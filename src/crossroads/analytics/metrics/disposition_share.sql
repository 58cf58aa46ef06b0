-- name: disposition_share
-- title: Share of encounters by disposition
-- definition: Of the encounters in the period, the share that ended with each disposition
--   (resolved on scene, referred without transport, the transports, involuntary hold, citation,
--   pre-booking diversion, arrest and booking, unable to locate). One row per disposition that
--   occurred; a disposition with no encounters in the period has no row. With a program, only
--   the encounters its cases were opened from are counted.
-- numerator: encounters with that disposition
-- denominator: encounters
-- unit: %
-- source: DOMAIN.md, Metrics: disposition_share[d]
-- records: encounters
WITH counted AS (
  SELECT p.period, e.agency, e.disposition AS category, count(*) AS encounters
  FROM encounters e
  JOIN periods p ON p.day = e.local_date
  WHERE ($area IS NULL OR e.area = $area)
    AND ($program IS NULL OR e.encounter_id IN (
      SELECT k.encounter_id FROM cases k WHERE k.program = $program))
  GROUP BY p.period, e.agency, e.disposition
)
SELECT period, agency, category,
  encounters AS numerator,
  sum(encounters) OVER (PARTITION BY period, agency) AS denominator,
  100 * CAST(encounters AS DOUBLE)
    / NULLIF(sum(encounters) OVER (PARTITION BY period, agency), 0) AS value
FROM counted
