"""The directory search form: the page's filters, turned into a `search.SearchQuery`.

The same filters as `crossroads directory search` and GET /api/v1/directory/search; the page
adds "use my location" (the browser fills `near` with LAT,LON) and the encounter it came from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone

from crossroads.core.forms import UswdsForm
from crossroads.directory import taxonomy
from crossroads.directory.search import DEFAULT_WITHIN_KM, QueryError, SearchQuery, query_from

RADII_KM = (5, 10, 25, 50, 100)
DEFAULT_RADIUS_KM = int(DEFAULT_WITHIN_KM)  # the radius search uses when none is given
# The search's own names for what it refuses -> the form's fields that show the error.
FORM_FIELD = {
    "text": "text",
    "near": "near",
    "within_km": "within_km",
    "categories": "category",
    "age": "age",
    "languages": "language",
    "payments": "payment",
}


def _choices(group: taxonomy.Group) -> list[tuple[str, str]]:
    by_code = taxonomy.crossroads_taxonomy().by_code()
    return [(code, by_code[code].name) for code in taxonomy.crossroads_taxonomy().codes(group)]


class DirectorySearchForm(UswdsForm):
    text = forms.CharField(
        required=False, max_length=200, label="Words", help_text="A name, a need, a drug, a street."
    )
    near = forms.CharField(
        required=False,
        max_length=200,
        label="Near",
        help_text="A ZIP code, an address with its ZIP, or latitude,longitude.",
    )
    within_km = forms.TypedChoiceField(
        choices=[(r, f"{r} km") for r in RADII_KM],
        coerce=int,
        initial=DEFAULT_RADIUS_KM,
        required=False,
        label="Within",
    )
    category = forms.MultipleChoiceField(
        choices=_choices("category"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="What the person needs",
    )
    open_now = forms.BooleanField(required=False, label="Open now")
    police_drop_off = forms.BooleanField(required=False, label="Accepts police drop-off")
    walk_in = forms.BooleanField(required=False, label="Walk-in")
    has_capacity = forms.BooleanField(required=False, label="Has room now (fresh report)")
    age = forms.IntegerField(required=False, min_value=0, max_value=120, label="Age of the person")
    language = forms.CharField(
        required=False, max_length=10, label="Language", help_text="A code such as es or vi."
    )
    payment = forms.MultipleChoiceField(
        choices=_choices("payment"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Cost and insurance",
    )
    encounter = forms.UUIDField(required=False, widget=forms.HiddenInput)

    search_query: SearchQuery
    now: datetime  # the moment "open now" means, and search is run at

    def clean(self) -> dict[str, Any]:
        data = self.cleaned_data
        if self.errors:
            return data
        self.now = timezone.now()
        try:
            self.search_query = query_from(
                near=data["near"],
                open_now=data["open_now"],
                open_at=None,
                now=self.now,
                text=data["text"].strip(),
                categories=tuple(data["category"]),
                # Without a place there is no radius; without a radius, search's own default.
                within_km=float(data["within_km"]) if data["within_km"] and data["near"] else None,
                police_drop_off=data["police_drop_off"],
                walk_in=data["walk_in"],
                age=data["age"],
                languages=(data["language"].strip(),) if data["language"].strip() else (),
                payments=tuple(data["payment"]),
                has_capacity=data["has_capacity"],
            )
        except QueryError as error:
            self.add_error(FORM_FIELD.get(error.field), error.reason)
        return data
