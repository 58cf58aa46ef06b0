"""Referral pages: start one from the directory in one click, and read it back."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from crossroads.core.access import signed_in
from crossroads.core.forms import uuid_or_none
from crossroads.directory import taxonomy
from crossroads.directory.models import Location, Service, ServiceAtLocation
from crossroads.encounters.queries import encounter_for
from crossroads.referrals import actions, queries


def _chosen_service(request: HttpRequest) -> tuple[Service, ServiceAtLocation | None]:
    """The service and place named by the form; a missing or unknown one is the form's error."""
    service_id = uuid_or_none(request.POST.get("service"))
    service = Service.objects.filter(pk=service_id).first() if service_id else None
    if service is None:
        raise ValidationError({"service": "Choose a service from the directory."})
    site_id = uuid_or_none(request.POST.get("site"))
    site = ServiceAtLocation.objects.filter(pk=site_id).first() if site_id else None
    if request.POST.get("site") and site is None:
        raise ValidationError({"site": "That place is no longer in the directory."})
    return service, site


@require_POST
def referral_start(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    encounter_id = uuid_or_none(request.POST.get("encounter"))
    # Another agency's encounter answers 404 through the door, before anything is written.
    encounter = encounter_for(user, encounter_id) if encounter_id else None
    try:
        service, site = _chosen_service(request)
        referral = actions.referral_start(
            by=user,
            service=service,
            site=site,
            encounter=encounter,
            need=request.POST.get("need", "")[:60],
            at=timezone.now(),
        )
    except ValidationError as error:
        return render(request, "referrals/referral_refused.html", {"error": error}, status=422)
    return redirect("referrals:referral_detail", referral.pk)


def referral_detail(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    referral = queries.referral_for(signed_in(request), referral_id)
    site = referral.site
    location = Location.objects.filter(pk=site.location_id).first() if site else None
    need = taxonomy.crossroads_taxonomy().by_code().get(referral.need)
    return render(
        request,
        "referrals/referral_detail.html",
        {"referral": referral, "location": location, "need": need},
    )
