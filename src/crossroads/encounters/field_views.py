"""The officer's field pages: record an encounter on a phone, with an autosaved draft and live
screen scores, and read a recorded encounter back.

The page and POST /api/v1/encounters share `actions.encounter_submit` (ARCHITECTURE rule 6).
The form works as a plain POST; htmx only adds the draft autosave and the score previews.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_POST

from crossroads.core.access import signed_in
from crossroads.core.forms import add_validation_errors, uuid_or_none
from crossroads.core.models import User
from crossroads.encounters import actions, queries
from crossroads.encounters.field_forms import EncounterForm
from crossroads.encounters.field_guide import field_guide
from crossroads.encounters.models import CallForService, Encounter, EncounterDraft
from crossroads.people import actions as people_actions
from crossroads.people.models import Person
from crossroads.people.queries import person_for
from crossroads.screening.catalog import Instrument, catalog

# The autosave and previews answer with this header; encounter-form.js swaps nothing else in (a
# sign-in page after a session ended, say).
FRAGMENT_HEADER = "X-Crossroads-Fragment"
MULTIPLE = frozenset({"signs", "deescalation"})
NOT_KEPT_IN_DRAFTS = frozenset({"client_key"})  # the draft's own key
SAFETY = ("weapon_present", "subject_injured", "officer_injured")


def _zone(user: User) -> ZoneInfo:
    """Typed and shown times are the officer's agency's."""
    return ZoneInfo(user.agency.time_zone)


def _call(user: User, value: object) -> CallForService | None:
    """The call named by the page's ?call= or hidden field, through the door (another agency's
    call answers 404)."""
    if not value:
        return None
    call_id = uuid_or_none(value)
    if call_id is None:
        raise Http404
    return queries.call_for(user, call_id)


# -- recording ------------------------------------------------------------------------------


@gzip_page  # ~100 kB of radio buttons shrink to ~12 kB on a slow link (ADR 0010 on BREACH)
def encounter_new(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    with timezone.override(_zone(user)):
        if request.method == "POST":
            return _submit(request, user)
        return _fresh_or_resumed(request, user)


def _fresh_or_resumed(request: HttpRequest, user: User) -> HttpResponse:
    resumed = None
    if "draft" in request.GET:
        draft_id = uuid_or_none(request.GET["draft"])
        if draft_id is None:
            raise Http404
        resumed = queries.encounter_draft_for(user, draft_id)
        initial = _initial_from(resumed)
        call = _call(user, initial.get("call"))
    else:
        call = _call(user, request.GET.get("call"))
        initial = {
            "client_key": uuid.uuid4(),  # made once, here: every submit of this page reuses it
            "call": call.pk if call else None,
            "occurred_at": _start_of(call),
        }
    return _page(request, user, EncounterForm(initial=initial), call, resumed=resumed)


def _initial_from(draft: EncounterDraft) -> dict[str, Any]:
    initial: dict[str, Any] = {
        name: values if name in MULTIPLE else values[0]
        for name, values in draft.data.items()
        if values
    }
    initial["client_key"] = draft.client_key
    return initial


def _start_of(call: CallForService | None) -> datetime:
    """When the officer arrived, if the call says so; else now. To the minute, as typed."""
    moment = (call.arrived_at or call.dispatched_at) if call else None
    return (moment or timezone.now()).replace(second=0, microsecond=0)


def _submit(request: HttpRequest, user: User) -> HttpResponse:
    form = EncounterForm(request.POST)
    call = _call(user, request.POST.get("call"))
    if form.is_valid() and (encounter := _record(user, form, call)) is not None:
        messages.success(request, "Encounter recorded.")
        return redirect("encounters:encounter_detail", encounter_id=encounter.pk)
    return _page(request, user, form, call, status=400)


def _record(user: User, form: EncounterForm, call: CallForService | None) -> Encounter | None:
    """The encounter, and the person if the officer named one, in one transaction."""
    data = form.cleaned_data
    try:
        with transaction.atomic():
            person = _new_person(user, data)
            encounter = actions.encounter_submit(
                by=user,
                client_key=data["client_key"],
                occurred_at=data["occurred_at"],
                call=call,
                person=person,
                signs=data["signs"],
                deescalation=data["deescalation"],
                weapon_present=data["weapon_present"],
                highest_force=data["highest_force"],
                subject_injured=data["subject_injured"],
                officer_injured=data["officer_injured"],
                disposition=data["disposition"],
                hold_legal_basis=data["hold_legal_basis"],
                transport_destination=data["transport_destination"],
                minutes_on_scene=data["minutes_on_scene"],
                custody_transfer_minutes=data["custody_transfer_minutes"],
                narrative=data["narrative"],
                screens=data["screens"],
            )
            if person is not None and encounter.person_id != person.pk:
                # A repeated submit, answered with the first encounter: keep only its person.
                transaction.set_rollback(True)
    except ValidationError as error:
        add_validation_errors(form, error)
        return None
    return encounter


def _new_person(user: User, data: dict[str, Any]) -> Person | None:
    if not (data["given_name"] and data["family_name"]):
        return None
    return people_actions.person_create(
        by=user,
        given_name=data["given_name"],
        family_name=data["family_name"],
        date_of_birth=data["date_of_birth"],
    )


def _page(
    request: HttpRequest,
    user: User,
    form: EncounterForm,
    call: CallForService | None,
    *,
    resumed: EncounterDraft | None = None,
    status: int = 200,
) -> HttpResponse:
    key = str(form["client_key"].value())
    guide = field_guide()
    signs, techniques = form.checked("signs"), form.checked("deescalation")
    return render(
        request,
        "encounters/field_new.html",
        {
            "form": form,
            "call": call,
            "resumed": resumed,
            "drafts": [d for d in queries.encounter_drafts_of(user) if str(d.client_key) != key],
            "sign_groups": [
                (code, group.label, [(sign, sign.code in signs) for sign in group.signs])
                for code, group in guide.signs.items()
            ],
            "techniques": [(t, t.code in techniques) for t in guide.deescalation],
            "safety": [form[name] for name in SAFETY],
            "dispositions": _dispositions(str(form["disposition"].value() or "")),
            "screens": form.screen_sections(),
            "error_summary": _error_summary(form),
        },
        status=status,
    )


def _dispositions(chosen: str) -> list[dict[str, Any]]:
    """The choices, each saying which follow-up fields it needs (the page shows only those)."""
    return [
        {
            "value": value,
            "label": label,
            "checked": value == chosen,
            "needs_destination": value in Encounter.TRANSPORTS,
            "needs_hold_basis": value == Encounter.Disposition.INVOLUNTARY_HOLD,
        }
        for value, label in Encounter.Disposition.choices
    ]


def _error_summary(form: EncounterForm) -> list[tuple[str, str, str]]:
    """(label, message, anchor) for each error, so the top of the page links to each field."""
    rows = []
    for name, errors in form.errors.items():
        message = " ".join(str(e) for e in errors)
        if name not in form.fields:
            rows.append(("", message, ""))
            continue
        field = form[name]
        if name in MULTIPLE:
            anchor = name
        elif field.is_hidden:
            anchor, message = "", f"{message} Reload the page and try again."
        elif field.widget_type == "radioselect":
            anchor = f"{field.auto_id}_group"  # the fieldset: its legend and error show too
        else:
            anchor = field.id_for_label
        rows.append((str(field.label), message, anchor))
    return rows


# -- drafts and previews (htmx; the draft save also works as a plain POST) -------------------


@require_POST
def encounter_draft_save(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    htmx = request.headers.get("HX-Request") == "true"
    key = uuid_or_none(request.POST.get("client_key"))
    fields = {
        name: request.POST.getlist(name)
        for name in EncounterForm().fields
        if name not in NOT_KEPT_IN_DRAFTS
    }
    draft, problem = None, ""
    if key is None:
        problem = "this form lost its key; reload the page."
    else:
        try:
            draft = actions.encounter_draft_save(by=user, client_key=key, data=fields)
        except ValidationError as error:
            problem = " ".join(error.messages)
    if htmx:
        with timezone.override(_zone(user)):
            response = render(
                request,
                "encounters/field_draft_status.html",
                {"draft": draft, "problem": problem},
                status=400 if problem else 200,
            )
        response[FRAGMENT_HEADER] = "1"
        return response
    new_page = reverse("encounters:encounter_new")
    if problem:
        messages.error(request, f"Draft not saved: {problem}")
        return redirect(new_page)
    if draft is None:
        messages.info(request, "That encounter was already submitted.")
        return redirect(new_page)
    messages.success(request, "Draft saved. It is kept for 24 hours.")
    return redirect(f"{new_page}?draft={draft.pk}")


@require_POST
def encounter_draft_discard(request: HttpRequest, draft_id: UUID) -> HttpResponse:
    user = signed_in(request)
    actions.encounter_draft_discard(by=user, draft=queries.encounter_draft_for(user, draft_id))
    messages.info(request, "Draft discarded.")
    return redirect("encounters:encounter_new")


@require_POST
def screen_preview(request: HttpRequest) -> HttpResponse:
    """The score of one screen as answered so far; nothing is stored."""
    instrument = catalog().get(request.POST.get("instrument", ""))
    if instrument is None:
        raise Http404
    section = EncounterForm(request.POST).screen_section(instrument)
    response = render(request, "encounters/field_screen_result.html", {"section": section})
    response[FRAGMENT_HEADER] = "1"
    return response


# -- reading back ---------------------------------------------------------------------------


def encounter_detail(request: HttpRequest, encounter_id: UUID) -> HttpResponse:
    user = signed_in(request)
    encounter = queries.encounter_for(user, encounter_id)
    person = None
    if encounter.person_id and encounter.agency_id == user.agency_id:
        # Names stay in the agency that recorded them; a partner sees that a person was named.
        person = person_for(user, encounter.person_id) if user.can("encounters.record") else None
    guide = field_guide()
    seen = set(encounter.signs)
    signs_by_group = {
        group.label: [sign.label for sign in group.signs if sign.code in seen]
        for group in guide.signs.values()
    }
    signs_by_group = {group: labels for group, labels in signs_by_group.items() if labels}
    if unknown := sorted(seen - guide.sign_codes):  # recorded under an older field guide
        signs_by_group["Other"] = unknown
    techniques = {t.code: t.label for t in guide.deescalation}
    with timezone.override(ZoneInfo(encounter.agency.time_zone)):
        return render(
            request,
            "encounters/field_detail.html",
            {
                "encounter": encounter,
                "person": person,
                "call": encounter.call if encounter.call_id and user.can("calls.view") else None,
                "signs_by_group": signs_by_group,
                "techniques": [techniques.get(code, code) for code in encounter.deescalation],
                "screens": _screens_shown(user, encounter),
                "perms_find_place": user.can("directory.view"),
                "perms_person": {
                    "timeline": user.can("people.timeline"),
                    "consent": user.can("consent.record"),
                    "enrol": user.can("programs.enrol"),
                },
            },
        )


def _screens_shown(user: User, encounter: Encounter) -> list[dict[str, Any]]:
    """Each screen's result; its items and answers only where queries.screens_seen_by gives
    them (clinical roles): police roles never receive them (SECURITY.md 2)."""
    shown = []
    for seen in queries.screens_seen_by(user, encounter):
        instrument = catalog().get(seen["instrument"])
        answers = seen["answers"]
        shown.append(
            {
                "code": seen["instrument"],
                "instrument": instrument,
                "result": seen["result"],
                "max_total": instrument.plan.max_total if instrument else None,
                "items": _answered_items(instrument, answers)
                if instrument and answers is not None
                else None,
            }
        )
    return shown


def _answered_items(instrument: Instrument, answers: list[int | None]) -> list[tuple[str, str]]:
    rows = []
    for item, value in zip(instrument.items, answers, strict=False):
        texts = {option.value: option.text for option in instrument.options_of(item)}
        rows.append((item.text, "not asked" if value is None else texts.get(value, str(value))))
    return rows
