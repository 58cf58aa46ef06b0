"""The referral's printable summary (SECURITY.md 5): the sender's PDF shows where the referral
stands only while the person's consent names the sender, with the §2.32 notice and an accounting
entry for the PDF path; without it, only "No consent on file". The provider's PDF carries its
own status and history."""

from __future__ import annotations

from django.urls import reverse

from crossroads.consent.actions import consent_revoke, redisclosure_notice
from crossroads.consent.models import DisclosureRecord
from crossroads.core.models import User
from crossroads.referrals.models import Referral
from tests.consent.test_accounting import pdf_text
from tests.factories import make_consent, signed_in_client
from tests.referrals.conftest import ALL_INFORMATION, County

NOTICE = " ".join(redisclosure_notice().split())


def _summary(user: User, referral: Referral) -> str:
    url = reverse("referrals:referral_pdf", args=[referral.pk])
    return pdf_text(signed_in_client(user).get(url))


def test_the_senders_pdf_shows_engagement_only_while_consent_names_them(county: County) -> None:
    consent = make_consent(
        county.officer,
        county.person,
        discloser=county.provider,
        information=ALL_INFORMATION,
        recipients=[county.police],
    )
    referral = county.referral_in("first_service")

    consented = _summary(county.officer, referral)
    assert consented.startswith("Referral to Harbor Same-Day MOUD")
    assert "Engaged in treatment" in consented
    assert consented.index(NOTICE) < consented.index("Engaged in treatment")
    assert "Person Sam Doe" in consented
    record = DisclosureRecord.objects.get(path="pdf")
    assert (record.allowed, record.recipient_user) == (True, county.officer)

    consent_revoke(by=county.officer, consent=consent, note="", expected_version=consent.version)
    revoked = _summary(county.officer, referral)
    assert "No consent on file" in revoked
    for hidden in ("Engaged", "first service", "Part 2", "History"):
        assert hidden not in revoked


def test_the_senders_pdf_without_consent_shows_only_no_consent_on_file(county: County) -> None:
    referral = county.referral_in("accepted")
    text = _summary(county.officer, referral)
    assert "No consent on file" in text
    assert "Accepted" not in text and NOTICE not in text


def test_the_providers_pdf_has_its_status_and_history(county: County) -> None:
    referral = county.referral_in("scheduled")
    text = _summary(county.intake, referral)
    assert "Where it stands Scheduled" in text
    assert "From Harbor City Police: " + county.officer.display_name in text
    history = text.split("History", 1)[1]
    assert [s for s in ("Sent", "Accepted", "Scheduled") if s in history] == [
        "Sent",
        "Accepted",
        "Scheduled",
    ]
    assert NOTICE not in text  # the provider reads its own record: nothing was disclosed


def test_a_draft_summary_is_the_senders_alone(county: County) -> None:
    draft = county.referral_in("draft")
    url = reverse("referrals:referral_pdf", args=[draft.pk])
    assert signed_in_client(county.intake).get(url).status_code == 404
