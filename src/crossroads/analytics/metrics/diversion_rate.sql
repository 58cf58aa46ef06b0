-- name: diversion_rate
-- title: Encounters with an arrest basis that ended without booking
-- definition: DOMAIN.md leaves this definition to be documented; here it is. An encounter has
--   an arrest basis when it ended in an arrest and booking, a citation or a pre-booking diversion
--   (the dispositions that presuppose grounds to arrest or charge). It was diverted when it ended
--   without booking, in a citation or a pre-booking diversion. Of the encounters with an arrest
--   basis in the period, the share diverted. Encounters that ended otherwise (resolved on scene,
--   transports, holds) are in neither count, as whether they had an arrest basis is not recorded.
--   With a program, only the encounters its cases were opened from are counted.
-- numerator: encounters ending in a citation or a pre-booking diversion
-- denominator: encounters ending in an arrest and booking, a citation or a pre-booking diversion
-- unit: %
-- source: DOMAIN.md, Metrics: diversion_rate
-- records: encounters
SELECT p.period, e.agency,
  count(*) FILTER (WHERE e.disposition <> 'arrest_booked') AS numerator,
  count(*) AS denominator,
  100 * CAST(count(*) FILTER (WHERE e.disposition <> 'arrest_booked') AS DOUBLE)
    / NULLIF(count(*), 0) AS value
FROM encounters e
JOIN periods p ON p.day = e.local_date
WHERE e.disposition IN ('arrest_booked', 'citation', 'pre_booking_diversion')
  AND ($area IS NULL OR e.area = $area)
  AND ($program IS NULL OR e.encounter_id IN (
    SELECT k.encounter_id FROM cases k WHERE k.program = $program))
GROUP BY p.period, e.agency
