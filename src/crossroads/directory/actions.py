"""Every write to the resource directory (ARCHITECTURE rule 2)."""

from __future__ import annotations

from django.db import transaction

from crossroads.directory import taxonomy
from crossroads.directory.models import Taxonomy, TaxonomyTerm


def taxonomy_install() -> bool:
    """Write the shipped Crossroads taxonomy as HSDS rows; True if anything changed.

    Runs after every migrate, so a fresh database can be searched by category at once. Like
    Django's own permissions and content types it is reference data the code ships, written
    by no one, so it leaves no audit event; agencies' terms are mapped onto it, never edited."""
    shipped = taxonomy.crossroads_taxonomy()
    with transaction.atomic():
        _, created = Taxonomy.objects.update_or_create(
            id=shipped.id,
            defaults={
                "name": shipped.name,
                "description": shipped.description,
                "uri": shipped.uri,
                "version": shipped.version,
            },
        )
        known = {t.id: t for t in TaxonomyTerm.objects.filter(taxonomy_detail_id=shipped.id)}
        changed = created
        for term in shipped.terms:
            values = {
                "code": term.code,
                "name": term.name,
                "description": term.description,
                "parent_id": term.parent_id,
                "taxonomy": shipped.name,
                "taxonomy_detail_id": shipped.id,
                "language": "en",
            }
            row = known.get(term.id)
            if row is None or any(getattr(row, k) != v for k, v in values.items()):
                TaxonomyTerm.objects.update_or_create(id=term.id, defaults=values)
                changed = True
    return changed


# --- HSDS exchange: packages in (helper "exchange") ----------------------------------------


# --- Live capacity (helper "capacity") -----------------------------------------------------


# --- Verification and proposed changes (helper "capacity") -----------------------------------
