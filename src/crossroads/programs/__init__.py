"""Diversion and co-responder programs (CIT follow-up, co-responder, Angel/PAARI, LEAD, QRT):
program types as data (`program_types.yaml`), cases, contacts, goals, tasks, follow-ups and
case conferences, and the caseload of each case manager."""
