"""Keeping the directory true: the maintainer's verification queue and review of proposed
edits, and the provider's own listings, where edits are proposed and wait for that review.

The pages and their JSON twins (directory/api.py) share the actions in directory/actions.py.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from crossroads.core.access import signed_in
from crossroads.core.forms import add_validation_errors
from crossroads.directory import actions, queries
from crossroads.directory.forms import ChangeRejectForm, ListingEditForm
from crossroads.directory.queries import Listing

TASKS_SHOWN = 100


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    with timezone.override(ZoneInfo(signed_in(request).agency.time_zone)):
        return render(request, template, context, status=status)


# --- Verification ------------------------------------------------------------------------------


def verification_list(request: HttpRequest) -> HttpResponse:
    tasks, total = queries.open_verification_tasks_for(signed_in(request), limit=TASKS_SHOWN)
    return _render(
        request, "directory/maintain_verification.html", {"tasks": tasks, "total": total}
    )


@require_POST
def record_verify(request: HttpRequest, task_id: UUID) -> HttpResponse:
    user = signed_in(request)
    task = queries.verification_task_for(user, task_id)
    try:
        actions.record_verify(by=user, task=task)
    except ValidationError as error:
        messages.error(request, f"{task.record_name}: {' '.join(error.messages)}")
    else:
        messages.success(request, f"{task.record_name} is verified as of today.")
    return redirect("directory:verification_list")


# --- Review of proposed edits ------------------------------------------------------------------


def change_list(request: HttpRequest) -> HttpResponse:
    return _changes_page(request)


def _changes_page(
    request: HttpRequest,
    failed: UUID | None = None,
    form: ChangeRejectForm | None = None,
    problem: str = "",
) -> HttpResponse:
    """The pending edits; the one whose review just failed keeps its form and says why."""
    reviews = queries.pending_changes_for(signed_in(request))
    rows = [
        (
            review,
            form if review.change.pk == failed and form else _reject_form(review.change.pk),
            problem if review.change.pk == failed else "",
        )
        for review in reviews
    ]
    return _render(
        request,
        "directory/maintain_changes.html",
        {"rows": rows},
        status=400 if failed else 200,
    )


def _reject_form(change_id: UUID, data: Any = None) -> ChangeRejectForm:
    """Each pending edit on the page has its own rejection form, with its own field ids."""
    return ChangeRejectForm(data, prefix=f"change-{change_id.hex}")


@require_POST
def change_approve(request: HttpRequest, change_id: UUID) -> HttpResponse:
    user = signed_in(request)
    change = queries.proposed_change_for(user, change_id)
    try:
        actions.change_approve(by=user, change=change)
    except actions.StaleProposal as stale:
        return _changes_page(request, failed=change.pk, problem=str(stale))
    except ValidationError as error:
        return _changes_page(request, failed=change.pk, problem=" ".join(error.messages))
    messages.success(request, "The edit is approved and live.")
    return redirect("directory:change_list")


@require_POST
def change_reject(request: HttpRequest, change_id: UUID) -> HttpResponse:
    user = signed_in(request)
    change = queries.proposed_change_for(user, change_id)
    form = _reject_form(change.pk, request.POST)
    if form.is_valid():
        try:
            actions.change_reject(by=user, change=change, note=form.cleaned_data["note"])
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, "The edit is rejected; the provider sees your note.")
            return redirect("directory:change_list")
    return _changes_page(request, failed=change.pk, form=form)


# --- The provider's own listings ---------------------------------------------------------------


def listing_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    return _render(
        request,
        "directory/maintain_listings.html",
        {"listings": queries.own_listings_for(user), "changes": queries.own_changes_for(user)},
    )


def listing_edit(request: HttpRequest, table: str, record_id: UUID) -> HttpResponse:
    user = signed_in(request)
    record = queries.listing_for(user, table, record_id)
    form = ListingEditForm(request.POST or None, record=record)
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_propose(by=user, record=record, changes=_changed(form))
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(
                request,
                "Your edit is waiting for review by the directory maintainer. Until it is "
                "approved, the directory shows the listing as it was.",
            )
            return redirect("directory:listing_list")
    return _listing_page(request, record, form)


def _changed(form: ListingEditForm) -> dict[str, Any]:
    """Only the fields the person changed: the others are not part of the proposal."""
    return {name: form.cleaned_data[name] for name in form.changed_data}


def _listing_page(request: HttpRequest, record: Listing, form: ListingEditForm) -> HttpResponse:
    return _render(
        request,
        "directory/maintain_listing_edit.html",
        {
            "record": record,
            "table": record.hsds_table,
            "form": form,
            "pending": queries.pending_changes_of(record),
        },
        status=400 if form.errors else 200,
    )
