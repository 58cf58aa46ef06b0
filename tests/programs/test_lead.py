"""LEAD end to end: an officer diverts instead of booking, the prosecutor alone signs off, the
charge is held until the intake deadline, not filed when intake completes in time, and the
deadline check puts the decision before the prosecutor (filing is theirs alone)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from crossroads.core.models import AuditEvent, Task
from crossroads.programs import actions
from crossroads.programs.models import Case, CaseEvent, Program
from tests.factories import make_agency, make_user, signed_in_client
from tests.programs.conftest import MORNING, County, person_of

pytestmark = pytest.mark.django_db
CHECKLIST = {"eligible_offence": True, "violent_offence": False}


def _diverted(county: County, lead: Program) -> Case:
    """The officer diverts the person and answers the offence items; the sign-off waits."""
    return actions.case_open(
        by=county.officer,
        program=lead,
        person=person_of(county.officer),
        entry_path="arrest_diversion",
        eligibility=CHECKLIST,
        case_manager=county.lead_manager,
        at=MORNING,
    )


def _signed_off(county: County, case: Case) -> Case:
    return actions.case_answer_eligibility(
        by=county.prosecutor, case=case, item="prosecutor_sign_off", answer=True
    )


@time_machine.travel(MORNING, tick=False)
def test_diversion_holds_the_charge_until_the_intake_deadline(
    county: County, lead: Program
) -> None:
    case = _diverted(county, lead)
    assert (case.agency, case.referred_by_agency) == (county.lead_agency, county.police)
    assert case.status == "referred" and case.charge_status == Case.Charge.HELD
    assert case.intake_deadline_at == MORNING + timedelta(days=30)
    conference = Task.objects.get(rule="conference.due.0")
    assert (conference.assignee, conference.due_at) == (
        county.lead_manager,
        MORNING + timedelta(days=14),
    )
    kinds = list(case.events.values_list("kind", "value"))
    assert kinds == [
        ("opened", "arrest_diversion"),
        ("eligibility", "eligible_offence=yes"),
        ("eligibility", "violent_offence=no"),
        ("charge", "held"),
    ]


@time_machine.travel(MORNING, tick=False)
def test_only_the_prosecutor_signs_off(county: County, lead: Program) -> None:
    case = _diverted(county, lead)
    for someone in (county.lead_manager, county.officer):
        with pytest.raises(ValidationError, match="Only the prosecutor can answer"):
            actions.case_answer_eligibility(
                by=someone, case=case, item="prosecutor_sign_off", answer=True
            )
    with pytest.raises(ValidationError, match="Only the prosecutor can answer"):
        actions.case_open(
            by=county.officer,
            program=lead,
            person=person_of(county.officer, "Ana"),
            entry_path="social_contact",
            eligibility={"prosecutor_sign_off": True},
            at=MORNING,
        )
    # A prosecutor whose office has no partnership with the LEAD agency cannot either.
    elsewhere = make_user(make_agency(type="prosecutor"), "prosecutor")
    with pytest.raises(ValidationError, match="Only the prosecutor can answer"):
        actions.case_answer_eligibility(
            by=elsewhere, case=case, item="prosecutor_sign_off", answer=True
        )
    case = _signed_off(county, case)
    sign_off = case.events.get(kind=CaseEvent.Kind.SIGN_OFF)
    assert (sign_off.by, sign_off.value) == (county.prosecutor, "prosecutor_sign_off=yes")


@time_machine.travel(MORNING, tick=False)
def test_referred_moves_to_intake_only_when_the_checklist_says_eligible(
    county: County, lead: Program
) -> None:
    case = _diverted(county, lead)
    with pytest.raises(ValidationError, match="not complete: Prosecutor's sign-off"):
        actions.case_move(
            by=county.lead_manager, case=case, to="intake_pending", expected_version=1
        )
    case = actions.case_answer_eligibility(
        by=county.prosecutor, case=case, item="prosecutor_sign_off", answer=False
    )
    with pytest.raises(ValidationError, match=r"rules the person out \(Prosecutor's sign-off\)"):
        actions.case_move(
            by=county.lead_manager, case=case, to="intake_pending", expected_version=case.version
        )
    case = _signed_off(county, case)
    case = actions.case_move(
        by=county.lead_manager, case=case, to="intake_pending", expected_version=case.version
    )
    assert case.status == "intake_pending"
    with pytest.raises(ValidationError, match="settled"):
        actions.case_answer_eligibility(
            by=county.prosecutor, case=case, item="prosecutor_sign_off", answer=False
        )


def _to_intake(county: County, case: Case) -> Case:
    case = _signed_off(county, case)
    return actions.case_move(
        by=county.lead_manager, case=case, to="intake_pending", expected_version=case.version
    )


def test_enrolled_before_the_deadline_the_charge_is_not_filed(
    county: County, lead: Program
) -> None:
    with time_machine.travel(MORNING, tick=False):
        case = _to_intake(county, _diverted(county, lead))
    with time_machine.travel(MORNING + timedelta(days=12), tick=False):
        case = actions.case_move(
            by=county.lead_manager, case=case, to="enrolled", expected_version=case.version
        )
    assert case.charge_status == Case.Charge.NOT_FILED
    charge = case.events.filter(kind=CaseEvent.Kind.CHARGE).last()
    assert charge is not None and (charge.value, charge.by) == ("not_filed", county.lead_manager)
    with pytest.raises(ValidationError, match="already decided: not filed"):
        actions.case_charge_set(by=county.prosecutor, case=case, charge_status="filed")


def test_the_deadline_check_raises_the_decision_and_files_nothing(
    county: County, lead: Program
) -> None:
    with time_machine.travel(MORNING, tick=False):
        late = _to_intake(county, _diverted(county, lead))
        on_time = _to_intake(county, _diverted(county, lead))
    with time_machine.travel(MORNING + timedelta(days=10), tick=False):
        actions.case_move(
            by=county.lead_manager, case=on_time, to="enrolled", expected_version=on_time.version
        )
        assert actions.lead_deadlines_check(now=MORNING + timedelta(days=10)) == 0
    after = MORNING + timedelta(days=31)
    with time_machine.travel(after, tick=False):
        assert actions.lead_deadlines_check(now=after) == 1
        assert actions.lead_deadlines_check(now=after) == 1  # the tasks are raised once
    tasks = Task.objects.filter(about_id=str(late.pk), rule__startswith="lead.").order_by("rule")
    assert [(t.rule.split(":")[0], t.agency, t.assignee) for t in tasks] == [
        ("lead.charge_decision", county.prosecutor_office, None),
        ("lead.intake_overdue", county.lead_agency, county.lead_manager),
    ]
    late.refresh_from_db()
    assert late.charge_status == Case.Charge.HELD
    assert AuditEvent.objects.filter(verb="case.deadlines_check").count() == 3


def test_the_prosecutor_files_only_once_the_deadline_passed(county: County, lead: Program) -> None:
    with time_machine.travel(MORNING, tick=False):
        case = _to_intake(county, _diverted(county, lead))
    with time_machine.travel(MORNING + timedelta(days=29), tick=False):
        with pytest.raises(ValidationError, match="held until the intake deadline"):
            actions.case_charge_set(by=county.prosecutor, case=case, charge_status="filed")
        with pytest.raises(ValidationError, match="Only the prosecutor decides"):
            actions.case_charge_set(by=county.lead_manager, case=case, charge_status="filed")
    after = MORNING + timedelta(days=31)
    with time_machine.travel(after, tick=False):
        actions.lead_deadlines_check(now=after)
        case = actions.case_charge_set(
            by=county.prosecutor, case=case, charge_status="filed", note="No intake."
        )
    assert case.charge_status == Case.Charge.FILED
    decision = Task.objects.get(rule__startswith="lead.charge_decision")
    assert decision.done_at is not None and decision.done_by == county.prosecutor


def test_the_prosecutor_signs_off_on_the_page_from_the_sign_off_list(
    county: County, lead: Program
) -> None:
    with time_machine.travel(MORNING, tick=False):
        case = _diverted(county, lead)
        client = signed_in_client(county.prosecutor)
        listing = client.get(reverse("programs:sign_off_list")).content.decode()
        page = client.get(reverse("programs:case_detail", args=[case.pk])).content.decode()
        answered = client.post(
            reverse("programs:case_eligibility", args=[case.pk]),
            {"check-item-prosecutor_sign_off": "yes"},
        )
        after = client.get(reverse("programs:case_detail", args=[case.pk])).content.decode()
    assert "Waiting for your sign-off" in listing and "Sam Rivera" in listing
    assert "Prosecutor&#x27;s sign-off" in page and "Save answers" in page
    # The prosecutor answers only the sign-off and sees no contact log, goals or tasks.
    assert 'name="check-item-eligible_offence"' not in page
    assert "Contact log" not in page and "Goals" not in page and "Log contact" not in page
    assert "30 days left" in page and "Held" in page
    assert answered.status_code == 302
    assert f"{county.prosecutor.display_name}, 3 Mar 2026, 09:00" in after


def test_a_case_worker_answering_the_sign_off_on_the_page_is_told_who_may(
    county: County, lead: Program
) -> None:
    with time_machine.travel(MORNING, tick=False):
        case = _diverted(county, lead)
        response = signed_in_client(county.lead_manager).post(
            reverse("programs:case_eligibility", args=[case.pk]),
            {"check-item-prosecutor_sign_off": "yes"},
        )
    assert response.status_code == 422
    assert "Only the prosecutor can answer" in response.content.decode()
    case.refresh_from_db()
    assert "prosecutor_sign_off" not in case.eligibility
