-- name: lead_intake_on_time
-- title: LEAD intakes completed by the deadline
-- definition: Of the LEAD cases opened in the period and found eligible, the share whose intake
--   (enrolment) was completed at or before the intake deadline set when the case was opened.
--   A case still waiting for intake counts as not on time, so the latest months read low until
--   their deadlines pass; no_intake gives how many are still waiting (or never enrolled).
-- numerator: eligible LEAD cases enrolled at or before the intake deadline
-- denominator: eligible LEAD cases
-- unit: %
-- source: DOMAIN.md, Programs: LEAD (the charge is held if intake completes within a deadline)
-- records: cases
SELECT p.period, k.agency,
  count(*) FILTER (WHERE k.intake_at <= k.intake_deadline_at) AS numerator,
  count(*) AS denominator,
  100 * CAST(count(*) FILTER (WHERE k.intake_at <= k.intake_deadline_at) AS DOUBLE)
    / NULLIF(count(*), 0) AS value,
  count(*) FILTER (WHERE k.intake_at IS NULL) AS no_intake
FROM cases k
JOIN periods p ON p.day = k.local_date
WHERE k.program_type = 'lead'
  AND k.eligible
  AND ($program IS NULL OR k.program = $program)
  AND ($area IS NULL OR k.area = $area)
GROUP BY p.period, k.agency
