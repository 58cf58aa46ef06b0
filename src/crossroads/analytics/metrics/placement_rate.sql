-- name: placement_rate
-- title: Angel presentations placed in treatment
-- definition: Of the people who presented to an Angel (PAARI) program in the period (the day the
--   case was opened) and were found eligible, the share placed with a treatment provider.
--   Presentations found ineligible, or not yet decided, are in neither count.
--   median_hours_to_placement gives the hours from presenting to placement for those placed.
-- numerator: eligible Angel presentations placed in treatment
-- denominator: eligible Angel presentations
-- unit: %
-- source: DOMAIN.md, Metrics: placement_rate (Angel)
-- records: cases
SELECT p.period, k.agency,
  count(k.placed_at) AS numerator,
  count(*) AS denominator,
  100 * CAST(count(k.placed_at) AS DOUBLE) / NULLIF(count(*), 0) AS value,
  median(CAST(epoch(k.placed_at) - epoch(k.opened_at) AS DOUBLE) / 3600)
    AS median_hours_to_placement
FROM cases k
JOIN periods p ON p.day = k.local_date
WHERE k.program_type = 'angel'
  AND k.eligible
  AND ($program IS NULL OR k.program = $program)
  AND ($area IS NULL OR k.area = $area)
GROUP BY p.period, k.agency
