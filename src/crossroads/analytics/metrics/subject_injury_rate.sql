-- name: subject_injury_rate
-- title: Encounters with the person injured, per 100 encounters
-- definition: Of the encounters in the period, how many per hundred recorded that
--   the person met was injured. An encounter with no injury recorded counts as one without. With a
--   program, only the encounters its cases were opened from are counted.
-- numerator: encounters recording an injury to the person
-- denominator: encounters
-- unit: per 100 encounters
-- source: DOMAIN.md, Metrics: subject_injury_rate
-- records: encounters
SELECT p.period, e.agency,
  count(*) FILTER (WHERE e.subject_injured) AS numerator,
  count(*) AS denominator,
  100 * CAST(count(*) FILTER (WHERE e.subject_injured) AS DOUBLE) / NULLIF(count(*), 0) AS value
FROM encounters e
JOIN periods p ON p.day = e.local_date
WHERE ($area IS NULL OR e.area = $area)
  AND ($program IS NULL OR e.encounter_id IN (
    SELECT k.encounter_id FROM cases k WHERE k.program = $program))
GROUP BY p.period, e.agency
