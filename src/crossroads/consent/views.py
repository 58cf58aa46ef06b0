"""Consent pages: a person's consents and the form to record one, a consent with every element,
its revocation and events; the accounting of disclosures (per person and agency-wide, with CSV
exports that carry the §2.32 notice); court orders and the second person; break-glass access.

The pages and their JSON twins (consent/api.py) share the actions in consent/actions.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import chain
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.views.decorators.http import require_POST

from crossroads.consent import actions, queries
from crossroads.consent.forms import (
    PURPOSE_LABELS,
    AccountingFilterForm,
    ConsentForm,
    CourtOrderDecideForm,
    CourtOrderForm,
    EmergencyForm,
    EventForm,
    RevokeForm,
    end_of,
    start_of,
)
from crossroads.consent.models import INFORMATION_KINDS, Consent, CourtOrder, DisclosureRecord
from crossroads.core import access, pdf
from crossroads.core.access import in_agency_time, signed_in
from crossroads.core.actions import StaleVersion
from crossroads.core.downloads import csv_download
from crossroads.core.forms import add_validation_errors, uuid_or_none
from crossroads.core.models import Agency, User
from crossroads.core.ratelimit import limited
from crossroads.people.models import Person

ACCOUNTING_SHOWN = 500  # rows on the agency-wide page; the CSV has them all


def _posted(request: HttpRequest) -> tuple[Any, Any]:
    """A form's data and files: bound on a POST, even an empty one (which is then refused)."""
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def _upload(file: UploadedFile | None) -> bytes | None:
    """The uploaded file's bytes, read no further than one byte past the limit (the action
    refuses anything larger)."""
    return file.read(actions.DOCUMENT_MAX_BYTES + 1) if file else None


def _labels(kinds: Iterable[str], names: dict[str, str]) -> list[str]:
    return [names.get(kind, kind) for kind in kinds]


PURPOSE_NAMES = {p.value: label.split(":")[0] for p, label in PURPOSE_LABELS.items()}
AGENCY_TYPES = {str(value): str(label) for value, label in Agency.Type.choices}


# --- A person's consents -----------------------------------------------------------------------


@in_agency_time
def person_consents(request: HttpRequest, person_id: UUID) -> HttpResponse:
    user = signed_in(request)
    person = queries.consent_person_for(user, person_id, "consent.view")
    now = timezone.now()
    rows = [
        (c, queries.consent_standing(c, now), _labels(c.recipient_classes, AGENCY_TYPES))
        for c in queries.consents_of(user, person)
    ]
    return render(request, "consent/person_consents.html", {"person": person, "rows": rows})


@in_agency_time
def consent_new(request: HttpRequest, person_id: UUID) -> HttpResponse:
    user = signed_in(request)
    person = queries.consent_person_for(user, person_id, "consent.record")
    initial = {"discloser": user.agency_id} if user.agency.type in Agency.PART2_CAPABLE else {}
    form = ConsentForm(*_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            consent = _record(form, user=user, person=person)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, "The consent is recorded.")
            return redirect("consent:consent_detail", consent.pk)
    return render(
        request,
        "consent/consent_form.html",
        {"person": person, "form": form},
        status=422 if form.errors else 200,
    )


def _record(form: ConsentForm, *, user: User, person: Person) -> Consent:
    data = form.cleaned_data
    expires_on = data["expires_at"]
    return actions.consent_record(
        by=user,
        person=person,
        discloser=data["discloser"],
        information=data["information"],
        recipients=data["recipients"],
        recipient_classes=data["recipient_classes"],
        purposes=data["purposes"],
        right_to_revoke_acknowledged=data["right_to_revoke_acknowledged"],
        expires_at=end_of(expires_on) if expires_on else None,
        expiry_event=data["expiry_event"],
        criminal_justice=data["criminal_justice"],
        irrevocable_until_event=data["irrevocable_until_event"],
        signature=data["signature"],
        signed_by=data["signed_by"],
        signed_at=form.signed_moment(timezone.now()),
        signed_form=_upload(data["signed_form"]),
    )


# --- One consent -------------------------------------------------------------------------------


@in_agency_time
def consent_detail(request: HttpRequest, consent_id: UUID) -> HttpResponse:
    return _consent_page(request, queries.consent_for(signed_in(request), consent_id))


def _consent_page(
    request: HttpRequest,
    consent: Consent,
    *,
    revoke_form: RevokeForm | None = None,
    event_form: EventForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = signed_in(request)
    pending_events = [
        (event, getattr(consent, name))
        for event, (name, at) in actions.CONSENT_EVENTS.items()
        if getattr(consent, name) and getattr(consent, at) is None
    ]
    posted = revoke_form if revoke_form and revoke_form.is_bound else event_form
    context = {
        "problems": [m for errors in posted.errors.values() for m in errors] if posted else [],
        "consent": consent,
        "standing": queries.consent_standing(consent, timezone.now()),
        "information": _labels(consent.information, INFORMATION_KINDS),
        "purposes": _labels(consent.purposes, PURPOSE_NAMES),
        "classes": _labels(consent.recipient_classes, AGENCY_TYPES),
        "may_change": user.can("consent.record"),
        "irrevocable": consent.irrevocable_until_event and not consent.irrevocable_until_event_at,
        "revoke_form": revoke_form or RevokeForm(initial={"version": consent.version}),
        "event_form": event_form or EventForm(initial={"at": timezone.localdate()}),
        "pending_events": pending_events,
    }
    return render(request, "consent/consent_detail.html", context, status=status)


def signed_form(request: HttpRequest, consent_id: UUID) -> HttpResponse:
    consent = queries.signed_form_for(signed_in(request), consent_id)
    return _download(consent.signed_form, consent.signed_form_type, f"consent-{consent.pk}")


def _download(content: bytes | memoryview | None, content_type: str, name: str) -> HttpResponse:
    """An uploaded document as it was checked in (a memoryview on PostgreSQL)."""
    extension = content_type.rsplit("/", 1)[-1]
    response = HttpResponse(bytes(content or b""), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response


@require_POST
@in_agency_time
def consent_revoke(request: HttpRequest, consent_id: UUID) -> HttpResponse:
    user = signed_in(request)
    consent = queries.consent_for(user, consent_id)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            actions.consent_revoke(
                by=user,
                consent=consent,
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            )
        except StaleVersion as stale:
            form.add_error(None, f"{stale} Reload the page to see it as it is now.")
            return _consent_page(request, consent, revoke_form=form, status=409)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, "The consent is revoked: nothing more is disclosed under it.")
            return redirect("consent:consent_detail", consent.pk)
    return _consent_page(request, consent, revoke_form=form, status=422)


@require_POST
@in_agency_time
def consent_event(request: HttpRequest, consent_id: UUID) -> HttpResponse:
    user = signed_in(request)
    consent = queries.consent_for(user, consent_id)
    form = EventForm(request.POST)
    if form.is_valid():
        day = form.cleaned_data["at"]
        # An event recorded for today happened by now; an earlier day, from its start.
        at = timezone.now() if day == timezone.localdate() else start_of(day)
        try:
            actions.consent_event_record(
                by=user, consent=consent, event=form.cleaned_data["event"], at=at
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, "The event is recorded.")
            return redirect("consent:consent_detail", consent.pk)
    return _consent_page(request, consent, event_form=form, status=422)


# --- The accounting of disclosures -------------------------------------------------------------


@in_agency_time
def person_disclosures(request: HttpRequest, person_id: UUID) -> HttpResponse:
    user = signed_in(request)
    person = queries.consent_person_for(user, person_id, "consent.accounting")
    records = queries.disclosures_of(user, person, timezone.now())
    return _disclosures_page(request, records, person=person)


@limited("disclosures.export")
@in_agency_time
def person_disclosures_csv(request: HttpRequest, person_id: UUID) -> HttpResponseBase:
    user = signed_in(request)
    person = queries.consent_person_for(user, person_id, "consent.accounting")
    records = queries.disclosures_of(user, person, timezone.now())
    return _disclosures_csv(request, records, f"disclosures-{person.pk}.csv")


@limited("disclosures.export")
@in_agency_time
def person_disclosures_pdf(request: HttpRequest, person_id: UUID) -> HttpResponseBase:
    """The person's accounting as a PDF to hand to them (§2.24), the notice first."""
    user = signed_in(request)
    person = queries.consent_person_for(user, person_id, "consent.accounting")
    records = queries.disclosures_of(user, person, timezone.now())
    access.record_export(user, "disclosurerecord", len(records))
    document = pdf.Document(
        title=f"Accounting of disclosures: {person}",
        prepared=(
            f"Every disclosure of {user.agency.name}'s Part 2 records about {person} in the six "
            f"years to {date_filter(timezone.now(), 'j M Y')}. Prepared by {user.display_name}."
        ),
        notice=actions.redisclosure_notice(),
        tables=[
            pdf.Table(
                heading="Disclosures, newest first",
                header=["When", *ACCOUNTING_COLUMNS],
                rows=[[date_filter(r.at, "j M Y, H:i"), *_entry(r)] for r in records],
                empty="Nothing was disclosed.",
            )
        ],
    )
    return pdf.pdf_response(document, f"disclosures-{person.pk}.pdf")


def _filtered(
    request: HttpRequest, limit: int | None
) -> tuple[AccountingFilterForm, list[DisclosureRecord]]:
    form = AccountingFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    since, until = data.get("since"), data.get("until")
    records = queries.disclosures_by_agency(
        signed_in(request),
        now=timezone.now(),
        since=start_of(since) if since else None,
        until=end_of(until) if until else None,
        person_name=data.get("person", ""),
        limit=limit,
    )
    return form, records


@in_agency_time
def accounting(request: HttpRequest) -> HttpResponse:
    form, records = _filtered(request, ACCOUNTING_SHOWN)
    return _disclosures_page(request, records, form=form)


@limited("disclosures.export")
@in_agency_time
def accounting_csv(request: HttpRequest) -> HttpResponseBase:
    _form, records = _filtered(request, None)
    return _disclosures_csv(request, records, "disclosures.csv")


def _disclosures_page(
    request: HttpRequest,
    records: list[DisclosureRecord],
    *,
    person: Person | None = None,
    form: AccountingFilterForm | None = None,
) -> HttpResponse:
    return render(
        request,
        "consent/disclosures.html",
        {
            "person": person,
            "form": form,
            "rows": [(r, _what(r), PURPOSE_NAMES.get(r.purpose, r.purpose)) for r in records],
            "shown": ACCOUNTING_SHOWN,
            "notice": actions.redisclosure_notice(),
            "query": request.GET.urlencode(),
        },
    )


def _what(record: DisclosureRecord) -> str:
    return "; ".join(_labels(record.information, INFORMATION_KINDS))


def _basis(record: DisclosureRecord) -> str:
    if record.consent_id:
        return f"consent {record.consent_id}"
    if record.court_order_id:
        return f"court order {record.court_order_id}"
    return f"break-glass {record.emergency_id}"


CSV_HEADER = [
    "disclosed_at_utc",
    "person",
    "recipient_agency",
    "recipient_user",
    "information",
    "purpose",
    "path",
    "authorised_by",
]
ACCOUNTING_COLUMNS = ["To agency", "To whom", "What", "Why", "How", "Authorised by"]


def _disclosures_csv(
    request: HttpRequest, records: list[DisclosureRecord], filename: str
) -> StreamingHttpResponse:
    """The accounting as CSV; its first lines are the §2.32 notice (SECURITY.md 5)."""
    access.record_export(signed_in(request), "disclosurerecord", len(records))
    heading = [[actions.redisclosure_notice()], [], CSV_HEADER]
    return csv_download(chain(heading, map(_csv_row, records)), filename)


def _csv_row(record: DisclosureRecord) -> list[str]:
    return [record.at.astimezone(ZoneInfo("UTC")).isoformat(), str(record.person), *_entry(record)]


def _entry(record: DisclosureRecord) -> list[str]:
    """One disclosure as the accounting lists it (ACCOUNTING_COLUMNS)."""
    return [
        record.recipient.name,
        record.recipient_user.display_name,
        _what(record),
        PURPOSE_NAMES.get(record.purpose, record.purpose),
        record.path,
        _basis(record),
    ]


# --- Court orders ------------------------------------------------------------------------------


@in_agency_time
def court_order_list(request: HttpRequest) -> HttpResponse:
    orders = queries.court_orders_of_agency(signed_in(request))
    return render(request, "consent/court_order_list.html", {"orders": orders})


@in_agency_time
def court_order_new(request: HttpRequest) -> HttpResponse:
    """A court order for the person named by `?person=` (the link on their consents page)."""
    user = signed_in(request)
    person_id = uuid_or_none(request.GET.get("person"))
    person = (
        queries.consent_person_for(user, person_id, "consent.court_orders") if person_id else None
    )
    form = CourtOrderForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        if person is None:
            form.add_error(None, "Open this form from the person's consents page.")
        else:
            try:
                order = _record_order(form, user=user, person=person)
            except ValidationError as error:
                add_validation_errors(form, error)
            else:
                messages.success(
                    request, "The order is recorded. It counts once a second person approves it."
                )
                return redirect("consent:court_order_detail", order.pk)
    return render(
        request,
        "consent/court_order_form.html",
        {"person": person, "form": form},
        status=422 if form.errors else 200,
    )


def _record_order(form: CourtOrderForm, *, user: User, person: Person) -> CourtOrder:
    data = form.cleaned_data
    missing = [name for name in ("issued_on", "valid_from", "valid_until") if not data[name]]
    if missing:
        raise ValidationError(dict.fromkeys(missing, "Give the date as the order states it."))
    return actions.court_order_record(
        by=user,
        person=person,
        discloser=data["discloser"],
        recipient=data["recipient"],
        court=data["court"],
        docket_number=data["docket_number"],
        section=data["section"],
        purposes=data["purposes"],
        information=data["information"],
        issued_on=data["issued_on"],
        valid_from=start_of(data["valid_from"]),
        valid_until=end_of(data["valid_until"]),
        document=_upload(data["document"]),
    )


@in_agency_time
def court_order_detail(request: HttpRequest, order_id: UUID) -> HttpResponse:
    order = queries.court_order_for(signed_in(request), order_id)
    return _order_page(request, order, CourtOrderDecideForm())


def court_order_document(request: HttpRequest, order_id: UUID) -> HttpResponse:
    """The court's document, for the second person to check the order against."""
    order = queries.court_order_document_for(signed_in(request), order_id)
    return _download(order.document, order.document_type, f"court-order-{order.pk}")


def _order_page(
    request: HttpRequest, order: CourtOrder, form: CourtOrderDecideForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "consent/court_order_detail.html",
        {
            "order": order,
            "form": form,
            "purposes": _labels(order.purposes, PURPOSE_NAMES),
            "information": _labels(order.information, INFORMATION_KINDS),
            "recorded_by_me": order.recorded_by_id == signed_in(request).pk,
        },
        status=status,
    )


@require_POST
@in_agency_time
def court_order_decide(request: HttpRequest, order_id: UUID) -> HttpResponse:
    user = signed_in(request)
    order = queries.court_order_for(user, order_id)
    form = CourtOrderDecideForm(request.POST)
    if form.is_valid():
        try:
            actions.court_order_decide(
                by=user,
                order=order,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, "Your decision is recorded.")
            return redirect("consent:court_order_detail", order.pk)
    return _order_page(request, order, form, status=422)


# --- Break-glass -------------------------------------------------------------------------------


@in_agency_time
def emergency_new(request: HttpRequest, person_id: UUID) -> HttpResponse:
    user = signed_in(request)
    person = queries.consent_person_for(user, person_id, "consent.break_glass")
    form = EmergencyForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            emergency = actions.emergency_access_open(
                by=user,
                person=person,
                discloser=data["discloser"],
                nature_of_emergency=data["nature_of_emergency"],
                information=data["information"],
                hours=data["hours"],
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.warning(
                request,
                f"Break-glass access is open until {_local(emergency.ends_at)}. It is "
                "recorded, and the program whose records it opens sees it in its list.",
            )
            return redirect("consent:emergency_list")
    return render(
        request,
        "consent/emergency_form.html",
        {"person": person, "form": form, "hours": actions.EMERGENCY_HOURS},
        status=422 if form.errors else 200,
    )


def _local(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%d %b %Y %H:%M}"


@in_agency_time
def emergency_list(request: HttpRequest) -> HttpResponse:
    emergencies = queries.emergencies_of_agency(signed_in(request))
    now = timezone.now()
    rows = [(e, _labels(e.information, INFORMATION_KINDS), e.ends_at > now) for e in emergencies]
    return render(request, "consent/emergency_list.html", {"rows": rows})
