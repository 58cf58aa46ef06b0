"""Who reads and works a case: its program's agency; the prosecutor's office only under a
program-participation partnership (and only the parts it needs, with consent for a Part 2
program's case); everyone else 404. Who may enrol whom."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from crossroads.consent.actions import redisclosure_notice
from crossroads.consent.models import DisclosureRecord
from crossroads.core.actions import partnership_end
from crossroads.core.models import AuditEvent, DataCategory
from crossroads.programs import actions, queries
from crossroads.programs.models import Case, Program
from tests.factories import (
    make_agency,
    make_case,
    make_consent,
    make_partnership,
    make_program,
    make_user,
    signed_in_client,
)
from tests.programs.conftest import MORNING, County, person_of

pytestmark = pytest.mark.django_db


def _lead_case(county: County, lead: Program) -> Case:
    return actions.case_open(
        by=county.officer,
        program=lead,
        person=person_of(county.officer),
        entry_path="arrest_diversion",
        case_manager=county.lead_manager,
        at=MORNING,
    )


def _status(user: object, url: str) -> int:
    return signed_in_client(user).get(url).status_code  # type: ignore[arg-type]


def test_another_agency_gets_404_on_the_page_and_the_api(county: County, cit: Program) -> None:
    case = make_case(cit)
    stranger = make_user(make_agency(type="police"), "cit_coordinator")
    for url in (
        reverse("programs:case_detail", args=[case.pk]),
        f"/api/v1/cases/{case.pk}",
        reverse("programs:program_detail", args=[cit.pk]),
    ):
        assert _status(stranger, url) == 404, url
        assert _status(county.coordinator, url) == 200, url
    posted = signed_in_client(stranger).post(
        reverse("programs:goal_add", args=[case.pk]), {"goal-text": "Sneak"}
    )
    assert posted.status_code == 404 and not case.goals.exists()
    assert AuditEvent.objects.filter(verb="case.read", actor=county.coordinator).exists()


def test_the_referring_police_do_not_read_another_agencys_case(
    county: County, lead: Program
) -> None:
    case = _lead_case(county, lead)
    assert _status(county.officer, reverse("programs:case_detail", args=[case.pk])) == 404


def test_the_prosecutor_reads_lead_cases_only_under_the_partnership(
    county: County, lead: Program
) -> None:
    case = _lead_case(county, lead)
    url = reverse("programs:case_detail", args=[case.pk])
    assert _status(county.prosecutor, url) == 200
    elsewhere = make_user(make_agency(type="prosecutor"), "prosecutor")
    assert _status(elsewhere, url) == 404
    # A non-criminal-justice program's cases stay the agency's own, partnership or not.
    cit = make_program(county.lead_agency, "cit_follow_up")
    other = make_case(cit)
    assert _status(county.prosecutor, reverse("programs:case_detail", args=[other.pk])) == 404
    with time_machine.travel(MORNING, tick=False):
        partnership_end(
            partnership=county.participation, by=None, on=MORNING.date() - timedelta(days=1)
        )
        assert _status(county.prosecutor, url) == 404


def test_the_prosecutor_sees_the_sign_off_parts_only(county: County, lead: Program) -> None:
    case = _lead_case(county, lead)
    actions.contact_log(
        by=county.lead_manager, case=case, at=MORNING, method="phone", reached=True, note="Secret"
    )
    body = signed_in_client(county.prosecutor).get(f"/api/v1/cases/{case.pk}").json()
    assert body["status"] == "referred" and body["charge_status"] == "held"
    assert body["contacts"] is None and body["goals"] is None and body["tasks"] is None
    assert all(event["kind"] != "contact" for event in body["events"])
    assert "Secret" not in str(body)


def test_a_part_2_programs_case_reaches_the_prosecutor_only_with_consent(county: County) -> None:
    treatment = make_agency(type="sud_treatment", part2_program=True, name="Harbor Recovery")
    manager = make_user(treatment, "case_manager")
    make_partnership(treatment, county.prosecutor_office, DataCategory.PROGRAM_PARTICIPATION)
    make_partnership(county.police, treatment, DataCategory.REFERRALS)
    lead = make_program(treatment, "lead")
    case = actions.case_open(
        by=county.officer,
        program=lead,
        person=person_of(county.officer),
        entry_path="social_contact",
        case_manager=manager,
        at=MORNING,
    )
    url = reverse("programs:case_detail", args=[case.pk])
    assert _status(county.prosecutor, url) == 404
    listing = signed_in_client(county.prosecutor).get(reverse("programs:sign_off_list"))
    assert "Sam Rivera" not in listing.content.decode()
    make_consent(
        manager,
        case.person,
        recipients=[county.prosecutor_office],
        information=["program_participation"],
        purposes=["criminal_justice_monitoring"],
        criminal_justice=True,
    )
    response = signed_in_client(county.prosecutor).get(url)
    assert response.status_code == 200
    assert escape(redisclosure_notice()) in response.content.decode()
    decisions = DisclosureRecord.objects.filter(recipient=county.prosecutor_office)
    assert sorted(decisions.values_list("allowed", flat=True)) == [False, False, True]


def test_enrolment_needs_a_partnership_and_a_person_the_agency_knows(
    county: County, lead: Program
) -> None:
    stranger_program = make_program(make_agency(type="community_org"), "lead")
    with pytest.raises(ValidationError, match="no partnership to refer people"):
        actions.case_open(
            by=county.officer,
            program=stranger_program,
            person=person_of(county.officer),
            entry_path="social_contact",
            at=MORNING,
        )
    other_police = make_user(make_agency(type="police"), "officer")
    with pytest.raises(ValidationError, match="no record of this person"):
        actions.case_open(
            by=county.officer,
            program=lead,
            person=person_of(other_police),
            entry_path="social_contact",
            at=MORNING,
        )
    person = person_of(county.officer)
    actions.case_open(
        by=county.officer, program=lead, person=person, entry_path="social_contact", at=MORNING
    )
    with pytest.raises(ValidationError, match="already has an open case"):
        actions.case_open(
            by=county.officer, program=lead, person=person, entry_path="social_contact", at=MORNING
        )


def test_the_enrol_page_offers_own_and_partners_programs_and_refers_onwards(
    county: County, lead: Program, cit: Program
) -> None:
    make_program(make_agency(type="community_org"), "lead")  # no partnership: not offered
    person = person_of(county.officer)
    officer = signed_in_client(county.officer)
    page = officer.get(reverse("programs:case_new"), {"person": str(person.pk)}).content.decode()
    assert page.count("<option value=") == 3  # the empty choice, CIT follow-up, LEAD
    with time_machine.travel(MORNING, tick=False):
        officer = signed_in_client(county.officer)
        response = officer.post(
            reverse("programs:case_new"),
            {
                "program": str(lead.pk),
                "person": str(person.pk),
                "entry_path": "arrest_diversion",
                "item-eligible_offence": "yes",
                "item-violent_offence": "no",
            },
        )
        landing = officer.get(response["Location"]).content.decode()
    assert response["Location"] == reverse("programs:caseload")
    assert "is referred to" in landing and "Its staff take it from here." in landing
    case = Case.objects.get()
    assert case.answers == {"eligible_offence": True, "violent_offence": False}
    stranger = make_user(make_agency(type="police"), "officer")
    refused = signed_in_client(stranger).get(
        reverse("programs:case_new"), {"person": str(person.pk)}
    )
    assert refused.status_code == 404


def test_a_case_worker_of_another_agency_cannot_be_made_case_manager(
    county: County, cit: Program
) -> None:
    case = make_case(cit)
    with pytest.raises(ValidationError, match="who works cases"):
        actions.case_assign(by=county.coordinator, case=case, case_manager=county.lead_manager)
    with pytest.raises(ValidationError, match="who works cases"):
        actions.case_assign(by=county.coordinator, case=case, case_manager=county.officer)
    case = actions.case_assign(by=county.coordinator, case=case, case_manager=county.angel)
    reminders = queries.case_tasks(case)
    assert reminders.count() == 3 and {task.assignee for task in reminders} == {county.angel}
