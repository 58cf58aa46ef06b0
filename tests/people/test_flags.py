"""SECURITY.md 10: behavioural-health flags expire and show only to roles that need them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from pydantic import ValidationError as SchemaError

from crossroads.core.models import Agency, User
from crossroads.core.roles import role_book
from crossroads.people.actions import flag_clear, flag_set, person_create
from crossroads.people.flag_kinds import flag_kinds, load_flag_kinds
from crossroads.people.models import Person
from crossroads.people.queries import flags_shown_to
from tests.factories import make_agency, make_user

Scene = tuple[Agency, User, Person]


@pytest.fixture
def police_and_person() -> Scene:
    police = make_agency()
    officer = make_user(police, "officer")
    person = person_create(by=officer, given_name="Ada", family_name="Moss")
    return police, officer, person


@pytest.mark.django_db
def test_a_flag_shows_to_the_roles_its_kind_names_until_it_expires(
    police_and_person: Scene,
) -> None:
    police, officer, person = police_and_person
    flag = flag_set(by=officer, person=person, kind="developmental_disability", days=30)
    dispatcher = make_user(police, "dispatcher")
    analyst = make_user(police, "analyst")
    now = timezone.now()
    assert flags_shown_to(officer, person, now) == [flag]
    assert flags_shown_to(dispatcher, person, now) == [flag]
    assert flags_shown_to(analyst, person, now) == []  # no need to know
    assert flags_shown_to(officer, person, now + timedelta(days=30, seconds=1)) == []


@pytest.mark.django_db
def test_a_cleared_flag_is_gone_and_another_agency_never_sees_one(police_and_person: Scene) -> None:
    _police, officer, person = police_and_person
    flag = flag_set(by=officer, person=person, kind="recent_crisis", days=10)
    outsider = make_user(make_agency(), "officer")
    assert flags_shown_to(outsider, person, timezone.now()) == []
    flag_clear(by=officer, flag=flag)
    assert flags_shown_to(officer, person, timezone.now()) == []


@pytest.mark.django_db
def test_no_flag_outlasts_its_kinds_limit(police_and_person: Scene) -> None:
    _police, officer, person = police_and_person
    limit = flag_kinds()["suicide_risk"].max_days
    with pytest.raises(ValidationError) as refused:
        flag_set(by=officer, person=person, kind="suicide_risk", days=limit + 1)
    assert f"1 to {limit} days" in refused.value.message_dict["days"][0]
    with pytest.raises(ValidationError) as unknown:
        flag_set(by=officer, person=person, kind="dangerous", days=1)
    assert "kind" in unknown.value.message_dict
    assert not person.flags.exists()


@pytest.mark.django_db
def test_a_flag_set_long_ago_has_expired_by_itself(police_and_person: Scene) -> None:
    _police, officer, person = police_and_person
    with time_machine.travel(timezone.now() - timedelta(days=400)):
        flag_set(by=officer, person=person, kind="dementia", days=365)
    assert flags_shown_to(officer, person, timezone.now()) == []


@pytest.mark.django_db
def test_only_the_agency_that_met_the_person_flags_them(police_and_person: Scene) -> None:
    _police, _officer, person = police_and_person
    with pytest.raises(ValidationError):
        flag_set(by=make_user(make_agency(), "officer"), person=person, kind="dementia", days=5)


def test_every_flag_kind_expires_within_a_year_and_names_real_permissions() -> None:
    for kind in flag_kinds().values():
        assert kind.max_days <= 365
        assert set(kind.shown_to) <= set(role_book().permissions)


def test_a_flag_kind_without_expiry_is_refused_at_load(tmp_path: Path) -> None:
    broken = tmp_path / "flags.yaml"
    broken.write_text("kinds:\n  forever:\n    label: x\n    guidance: y\n    shown_to: [a]\n")
    with pytest.raises(SchemaError, match="max_days"):
        load_flag_kinds(broken)
