"""Referral pages: start one in one click, the sender's draft and what it may see of the answer,
the provider's intake inbox and its moves along the loop, and the sender's list.

One detail route serves both sides: the receiving provider sees all of its referral and the
moves it may make; the sender sees its draft (to edit and send) or, once sent, the provider's
status as the consent door lets it through. The pages and their JSON twins (api.py) share
actions.py and queries.py.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from crossroads.core import pdf
from crossroads.core.access import in_agency_time, signed_in
from crossroads.core.actions import StaleVersion
from crossroads.core.forms import add_validation_errors, uuid_or_none
from crossroads.core.models import User
from crossroads.directory.models import Service, ServiceAtLocation
from crossroads.encounters.queries import encounter_for
from crossroads.people.queries import person_known_to
from crossroads.programs.queries import case_to_work
from crossroads.referrals import actions, queries, summary
from crossroads.referrals.forms import DraftForm, MoveForm, SendForm, move_button
from crossroads.referrals.models import Referral
from crossroads.referrals.workflow import CLOSED, Side, Status, is_repeat, moves_for

# --- Starting a referral ------------------------------------------------------------------------


def _chosen_service(request: HttpRequest) -> tuple[Service, ServiceAtLocation | None]:
    """The service and place named by the form; a missing or unknown one is the form's error."""
    site = request.POST.get("site")
    if site and uuid_or_none(site) is None:
        raise ValidationError({"site": "That place is no longer in the directory."})
    return queries.service_to_refer_to(
        uuid_or_none(request.POST.get("service")), uuid_or_none(site)
    )


@require_POST
def referral_start(request: HttpRequest) -> HttpResponse:
    """A draft from an encounter, a program case or a walk-in (a person of the agency's own);
    each named record comes through its door, so another agency's answers 404."""
    user = signed_in(request)
    encounter_id = uuid_or_none(request.POST.get("encounter"))
    case_id = uuid_or_none(request.POST.get("case"))
    person_id = uuid_or_none(request.POST.get("person"))
    encounter = encounter_for(user, encounter_id) if encounter_id else None
    case = case_to_work(user, case_id, "referrals.start") if case_id else None
    person = person_known_to(user, person_id, "referrals.start") if person_id else None
    try:
        service, site = _chosen_service(request)
        referral = actions.referral_start(
            by=user,
            service=service,
            site=site,
            encounter=encounter,
            case=case,
            person=person,
            need=request.POST.get("need", "")[:60],
            at=timezone.now(),
        )
    except ValidationError as error:
        return render(request, "referrals/referral_refused.html", {"error": error}, status=422)
    return redirect("referrals:referral_detail", referral.pk)


# --- One referral, as each side sees it ---------------------------------------------------------


@in_agency_time
def referral_detail(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    user = signed_in(request)
    return _detail_page(request, user, queries.referral_for(user, referral_id))


def _detail_page(
    request: HttpRequest,
    user: User,
    referral: Referral,
    *,
    failed: Form | None = None,
    status: int = 200,
) -> HttpResponse:
    """The side's page. A form that was just refused keeps its place, input and errors; one the
    page no longer offers (the referral moved on, or the move is not this side's) says why at
    the top."""
    receiver = queries.side_of(user, referral) is Side.RECEIVER
    context: dict[str, Any] = {
        "referral": referral,
        "facts": summary.facts_of(referral, receiver=receiver),
        "now": timezone.now(),
        "timeline": user.can("people.timeline") and referral.person_id,
    }
    if receiver:
        template = "referrals/received_detail.html"
        forms = _receiver_context(context, referral, failed)
    else:
        template = "referrals/referral_detail.html"
        forms = _sender_context(context, user, referral, failed)
    if failed is not None and failed not in forms:
        context["problem"] = " ".join(str(m) for errors in failed.errors.values() for m in errors)
    return render(request, template, context, status=status)


@in_agency_time
def referral_pdf(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """The referral's summary to print, as the user's side may read it."""
    user = signed_in(request)
    referral = queries.referral_for(user, referral_id)
    return pdf.pdf_response(summary.document_for(user, referral), f"referral-{referral.pk}.pdf")


def _receiver_context(
    context: dict[str, Any], referral: Referral, failed: Form | None
) -> list[Form]:
    """The provider's moves from here, each a form; returns the forms offered."""
    current = Status(referral.status)
    offered = moves_for(current, Side.RECEIVER)
    forms: list[Form] = [
        failed
        if failed is not None and failed["to"].value() == to
        else MoveForm.to_move(referral, to)
        for to in offered
    ]
    context["moves"] = [
        {"button": move_button(current, to), "form": form}
        for to, form in zip(offered, forms, strict=True)
    ]
    context["steps"] = summary.history_of(referral)
    return forms


def _sender_context(
    context: dict[str, Any], user: User, referral: Referral, failed: Form | None
) -> list[Form]:
    """Where the referral stands as the sender may see it, and, for a draft, its forms;
    returns the forms offered."""
    context["provider_status"] = queries.provider_status_for(user, referral, "page")
    context["can_edit"] = referral.status == Status.DRAFT and user.can("referrals.start")
    if not context["can_edit"]:
        return []
    consents = queries.consents_to_attach(user, referral)
    draft = failed if isinstance(failed, DraftForm) else DraftForm.of(referral, consents)
    send = (
        failed if isinstance(failed, SendForm) else SendForm(initial={"version": referral.version})
    )
    context |= {"draft_form": draft, "send_form": send}
    return [draft, send]


def _refused(
    request: HttpRequest,
    user: User,
    referral_id: UUID,
    form: Form,
    error: ValidationError | StaleVersion | None = None,
) -> HttpResponse:
    """Re-render the page with the form's errors, or the action's refusal beside the field it
    names (409 for a stale version, else 422), the referral read again as it now stands."""
    status = 422
    if isinstance(error, StaleVersion):
        form.add_error(None, f"{error} Reload the page to see it, then try again.")
        status = 409
    elif error is not None:
        add_validation_errors(form, error)
    referral = queries.referral_for(user, referral_id)
    return _detail_page(request, user, referral, failed=form, status=status)


@require_POST
@in_agency_time
def referral_update(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    user = signed_in(request)
    referral = queries.referral_for(user, referral_id)
    form = DraftForm(request.POST, consents=queries.consents_to_attach(user, referral))
    if not form.is_valid():
        return _refused(request, user, referral_id, form)
    data = form.cleaned_data
    try:
        actions.referral_update(
            by=user,
            referral=referral,
            urgency=data["urgency"],
            handoff=data["handoff"],
            note=data["note"],
            consent=data["consent"],
            expected_version=data["version"],
        )
    except (ValidationError, StaleVersion) as error:
        return _refused(request, user, referral_id, form, error)
    messages.success(request, "The draft is saved.")
    return redirect("referrals:referral_detail", referral_id)


@require_POST
@in_agency_time
def referral_send(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    user = signed_in(request)
    referral = queries.referral_for(user, referral_id)
    form = SendForm(request.POST)
    if not form.is_valid():
        return _refused(request, user, referral_id, form)
    try:
        actions.referral_send(
            by=user, referral=referral, expected_version=form.cleaned_data["version"]
        )
    except (ValidationError, StaleVersion) as error:
        return _refused(request, user, referral_id, form, error)
    messages.success(request, f"Sent to {referral.service.name}.")
    return redirect("referrals:referral_detail", referral_id)


@require_POST
@in_agency_time
def referral_move(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """One move of the receiving provider (a sender's attempt is refused, naming `status`)."""
    user = signed_in(request)
    referral = queries.referral_for(user, referral_id)
    to = request.POST.get("to", "")
    form = MoveForm(request.POST, auto_id=f"{to if to in Referral.Status.values else 'move'}-%s")
    if not form.is_valid():
        return _refused(request, user, referral_id, form)
    data = form.cleaned_data
    repeat = is_repeat(Status(referral.status), Status(data["to"]))
    try:
        moved = actions.referral_move(
            by=user,
            referral=referral,
            to=data["to"],
            note=data["note"],
            reason=data["reason"],
            scheduled_for=data["scheduled_for"],
            expected_version=data["version"],
        )
    except (ValidationError, StaleVersion) as error:
        return _refused(request, user, referral_id, form, error)
    if repeat:
        messages.success(request, "Another service attended is recorded.")
    else:
        messages.success(request, f"The referral is now: {moved.get_status_display()}.")
    return redirect("referrals:referral_detail", referral_id)


# --- Lists --------------------------------------------------------------------------------------


@in_agency_time
def inbox(request: HttpRequest) -> HttpResponse:
    """The provider's intake inbox: new referrals first with how long each has waited."""
    referrals = queries.inbox_for(signed_in(request))
    context = {
        "new": [r for r in referrals if r.status in queries.NEW],
        "in_progress": [r for r in referrals if r.status not in queries.NEW | CLOSED],
        "closed": [r for r in referrals if r.status in CLOSED],
        "now": timezone.now(),
    }
    return render(request, "referrals/inbox.html", context)


@in_agency_time
def sent(request: HttpRequest) -> HttpResponse:
    """The sender's referrals, each with the provider's status as the consent door decides it."""
    user = signed_in(request)
    rows = [
        (referral, queries.provider_status_for(user, referral, "page"))
        for referral in queries.sent_for(user)
    ]
    return render(request, "referrals/sent.html", {"rows": rows})
