"""The referral pages: the sender's draft and list, the provider's inbox and its moves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from crossroads.core.models import AuditEvent
from crossroads.referrals.models import Referral
from tests.factories import make_agency, make_user, signed_in_client
from tests.referrals.conftest import County

pytestmark = pytest.mark.django_db


def _detail(referral: Referral) -> str:
    return reverse("referrals:referral_detail", args=[referral.pk])


def test_the_sender_edits_and_sends_the_draft(county: County) -> None:
    draft = county.start()
    client = signed_in_client(county.officer)
    page = client.get(_detail(draft)).content.decode()
    assert "Draft: not sent yet" in page and 'name="urgency"' in page
    saved = client.post(
        reverse("referrals:referral_update", args=[draft.pk]),
        {
            "urgency": "now",
            "handoff": "phone",
            "note": "Waiting at the station",
            "consent": "",
            "version": "1",
        },
    )
    assert saved.status_code == 302
    sent = client.post(reverse("referrals:referral_send", args=[draft.pk]), {"version": "2"})
    assert sent.status_code == 302
    referral = Referral.objects.get(pk=draft.pk)
    assert (referral.status, referral.urgency, referral.note) == (
        "sent",
        "now",
        "Waiting at the station",
    )
    page = client.get(_detail(referral)).content.decode()
    assert "Sent: waiting for the provider" in page and 'name="urgency"' not in page


def test_a_refused_edit_names_the_field_and_writes_nothing(county: County) -> None:
    draft = county.start()
    client = signed_in_client(county.officer)
    response = client.post(
        reverse("referrals:referral_update", args=[draft.pk]),
        {"urgency": "whenever", "handoff": "warm", "version": "1"},
    )
    assert response.status_code == 422
    assert 'id="id_urgency_error"' in response.content.decode()
    stale = client.post(
        reverse("referrals:referral_update", args=[draft.pk]),
        {"urgency": "now", "handoff": "warm", "version": "7"},
    )
    assert stale.status_code == 409
    assert "changed since you opened it" in stale.content.decode()
    assert Referral.objects.get(pk=draft.pk).version == 1


def test_sending_to_a_listing_without_an_agency_is_explained(county: County) -> None:
    draft = county.start(encounter=None)  # nobody named yet
    response = signed_in_client(county.officer).post(
        reverse("referrals:referral_send", args=[draft.pk]), {"version": "1"}
    )
    assert response.status_code == 422
    assert "the provider needs to know who is coming" in response.content.decode()
    assert Referral.objects.get(pk=draft.pk).status == "draft"


def test_the_inbox_lists_new_referrals_first_with_their_wait(
    county: County, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    accepted = county.move(county.send(), "accepted")
    urgent = county.send(urgency="now")
    county.send(urgency="routine")
    client = signed_in_client(county.intake)
    client.get(reverse("referrals:inbox"))  # the session's first request warms its caches
    with django_assert_max_num_queries(16):
        page = client.get(reverse("referrals:inbox")).content.decode()
    new, in_progress = page.split('id="progress-heading"')
    assert new.index(str(urgent.pk)) < new.rindex("Sam Doe")
    assert "New (2)" in new and "minute" in new
    assert str(accepted.pk) in in_progress
    assert signed_in_client(county.officer).get(reverse("referrals:inbox")).status_code == 403


def test_the_provider_answers_on_its_page(county: County) -> None:
    referral = county.send()
    client = signed_in_client(county.intake)
    page = client.get(_detail(referral)).content.decode()
    assert "Referral from Harbor City Police" in page
    assert "Decline" in page and 'name="reason"' in page
    move = reverse("referrals:referral_move", args=[referral.pk])
    refused = client.post(move, {"to": "declined", "reason": "", "version": "2"})
    assert refused.status_code == 422
    assert 'id="declined-reason_error"' in refused.content.decode()
    assert "Say why the referral is declined." in refused.content.decode()
    assert client.post(move, {"to": "accepted", "version": "2"}).status_code == 302
    when = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    assert (
        client.post(move, {"to": "scheduled", "scheduled_for": when, "version": "3"}).status_code
        == 302
    )
    referral.refresh_from_db()
    assert (referral.status, referral.acknowledged_at is not None) == ("scheduled", True)
    assert referral.scheduled_for is not None
    assert AuditEvent.objects.filter(verb="referral.scheduled").count() == 1


def test_an_illegal_move_on_the_page_names_the_status(county: County) -> None:
    referral = county.send()
    response = signed_in_client(county.intake).post(
        reverse("referrals:referral_move", args=[referral.pk]),
        {"to": "completed", "version": "2"},
    )
    assert response.status_code == 422
    assert "A sent referral cannot become completed" in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).status == "sent"


def test_a_draft_is_the_senders_alone(county: County) -> None:
    draft = county.start()
    assert signed_in_client(county.intake).get(_detail(draft)).status_code == 404
    stranger = make_user(make_agency(), "officer")
    assert signed_in_client(stranger).get(_detail(county.send())).status_code == 404


def test_the_sent_list_shows_each_status_through_the_door(
    county: County, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    county.start()
    county.send()
    county.move(county.send(), "accepted")
    client = signed_in_client(county.officer)
    client.get(reverse("referrals:sent"))
    # Each provider status is decided at the moment it is shown: a bounded cost per row.
    with django_assert_max_num_queries(30):
        page = client.get(reverse("referrals:sent")).content.decode()
    assert "Draft: not sent yet" in page
    assert "Sent: waiting for the provider" in page
    assert "No consent on file" in page and "Accepted" not in page
