"""What the `crossroads` verbs share: finding the agency an `--agency` option names."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.text import slugify

from crossroads.core.models import Agency


def agency_named(name: str) -> Agency:
    """The agency whose short name is `name`, typed as shown ("Riverton PD") or as a slug
    ("riverton-pd"); else exit 2 naming the option and the agencies there are."""
    agencies = list(Agency.objects.order_by("short_name"))
    for agency in agencies:
        if name in (agency.short_name, slugify(agency.short_name)):
            return agency
    known = ", ".join(agency.short_name for agency in agencies) or "none"
    raise CommandError(f"--agency: no agency is called {name!r}; known: {known}", returncode=2)
