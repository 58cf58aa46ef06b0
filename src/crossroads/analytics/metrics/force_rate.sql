-- name: force_rate
-- title: Force above verbal commands, per 100 encounters
-- definition: Of the encounters in the period, how many per hundred involved force beyond
--   verbal commands (empty hand, a less-lethal weapon, a firearm, or force of a type not recorded).
-- numerator: encounters whose highest force is above verbal commands
-- denominator: encounters
-- unit: per 100 encounters
-- source: DOMAIN.md, Metrics: force_rate
-- records: encounters
SELECT p.period, e.agency,
  count(*) FILTER (WHERE e.highest_force NOT IN ('none', 'verbal')) AS numerator,
  count(*) AS denominator,
  100 * CAST(count(*) FILTER (WHERE e.highest_force NOT IN ('none', 'verbal')) AS DOUBLE)
    / NULLIF(count(*), 0) AS value
FROM encounters e
JOIN periods p ON p.day = e.local_date
WHERE ($area IS NULL OR e.area = $area)
  AND ($program IS NULL OR e.encounter_id IN (
    SELECT k.encounter_id FROM cases k WHERE k.program = $program))
GROUP BY p.period, e.agency
