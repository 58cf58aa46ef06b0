-- name: qrt_contact_rate
-- title: Quick Response Team cases in which the person was reached
-- definition: Of the Quick Response Team cases opened in the period (after an overdose), the share
--   in which the team reached the person: a contact attempt that reached them, or the case
--   moved to contacted. contacted_within_5_days_share gives the share of the same cases reached
--   within 5 days (120 hours) of the case being opened (the Colerain model visits within 3 to 5
--   days).
-- numerator: QRT cases in which the person was reached
-- denominator: QRT cases opened
-- unit: %
-- source: DOMAIN.md, Metrics: qrt_contact_rate
-- records: cases
SELECT p.period, k.agency,
  count(k.contacted_at) AS numerator,
  count(*) AS denominator,
  100 * CAST(count(k.contacted_at) AS DOUBLE) / NULLIF(count(*), 0) AS value,
  100 * CAST(count(*) FILTER (WHERE k.contacted_at <= k.opened_at + INTERVAL 5 DAY) AS DOUBLE)
    / NULLIF(count(*), 0) AS contacted_within_5_days_share
FROM cases k
JOIN periods p ON p.day = k.local_date
WHERE k.program_type = 'qrt'
  AND ($program IS NULL OR k.program = $program)
  AND ($area IS NULL OR k.area = $area)
GROUP BY p.period, k.agency
