"""The public transparency pages: open to anyone, signed in or not (SECURITY.md 20).

They show only the suppressed monthly figures of transparency.py and the metric definitions:
no record, no person, no link into the signed-in pages. Each agency's figures are computed once
per snapshot (the cache key carries the snapshot's time), so a busy page costs one lookup.
Without a snapshot, or for an agency the snapshot does not hold yet, the page says the figures
are not published yet.
"""

from __future__ import annotations

from typing import cast

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from crossroads.analytics import metrics, transparency
from crossroads.analytics.queries import agency_slug
from crossroads.analytics.snapshot import Manifest, snapshot_dir
from crossroads.analytics.suppression import LARGEST_HIDDEN, SMALLEST_HIDDEN
from crossroads.core.models import Agency

SUPPRESSION = {"smallest": SMALLEST_HIDDEN, "largest": LARGEST_HIDDEN}


def _publishing(generated_at: str | None) -> list[transparency.PublishingAgency]:
    if generated_at is None:
        return []
    agencies = cache.get_or_set(
        f"transparency:agencies:{generated_at}",
        lambda: transparency.publishing_agencies(snapshot_dir()),
        timeout=None,
    )
    return cast(list[transparency.PublishingAgency], agencies)


def _generated_at() -> str | None:
    manifest = Manifest.read(snapshot_dir())
    return manifest.generated_at if manifest else None


def index(request: HttpRequest) -> HttpResponse:
    generated_at = _generated_at()
    return render(
        request,
        "transparency/index.html",
        {"agencies": _publishing(generated_at), "generated_at": generated_at},
    )


def agency(request: HttpRequest, slug: str) -> HttpResponse:
    generated_at = _generated_at()
    listed = {a.slug: a for a in _publishing(generated_at)}
    if generated_at is None or slug not in listed:
        return render(
            request, "transparency/not_published.html", {"agency_name": _agency_name(slug)}
        )
    figures = cache.get_or_set(
        f"transparency:figures:{slug}:{generated_at}",
        lambda: transparency.agency_figures(snapshot_dir(), listed[slug]),
        timeout=None,
    )
    return render(
        request, "transparency/agency.html", {"figures": figures, "suppression": SUPPRESSION}
    )


def _agency_name(slug: str) -> str:
    """A police or sheriff's agency the snapshot does not hold yet; else there is no such page."""
    for agency in Agency.objects.filter(type__in=transparency.PUBLISHING_TYPES):
        if agency_slug(agency) == slug:
            return agency.name
    raise Http404("no such agency")


def how_we_count(request: HttpRequest) -> HttpResponse:
    catalogue = sorted(metrics.catalogue().values(), key=lambda m: m.header.title)
    return render(
        request,
        "transparency/how_we_count.html",
        {"headers": [m.header for m in catalogue], "suppression": SUPPRESSION},
    )
