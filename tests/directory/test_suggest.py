"""What "find a place" pre-selects from an encounter (suggest.py over suggestions.yaml)."""

from __future__ import annotations

import pytest

from crossroads.directory.suggest import suggest
from crossroads.directory.taxonomy import crossroads_taxonomy

CATEGORIES = frozenset(crossroads_taxonomy().codes("category"))


def test_a_crisis_facility_transport_asks_for_a_police_drop_off_crisis_unit() -> None:
    found = suggest(
        sign_groups=["suicidality"],
        positive_screens=["cssrs_screener"],
        disposition="voluntary_transport_crisis_facility",
        known_categories=CATEGORIES,
    )
    # Pointed at by the signs, the screen and the disposition: first.
    assert found.categories[0] == "crisis-stabilisation"
    assert found.police_drop_off
    assert found.reasons == (
        "suicide risk seen",
        "C-SSRS positive",
        "taking the person to a crisis facility",
    )


def test_substance_use_points_at_treatment_not_police_drop_off() -> None:
    found = suggest(
        sign_groups=["withdrawal", "withdrawal"],
        positive_screens=["dast10"],
        disposition="referred_no_transport",
        known_categories=CATEGORIES,
    )
    assert found.categories[0] == "withdrawal-management"
    assert {"moud", "peer-recovery"} <= set(found.categories)
    assert not found.police_drop_off
    assert found.reasons.count("withdrawal signs") == 1  # a group counts once


def test_nothing_seen_suggests_nothing() -> None:
    found = suggest(
        sign_groups=[],
        positive_screens=[],
        disposition="resolved_on_scene",
        known_categories=CATEGORIES,
    )
    assert found.categories == () and not found.police_drop_off and found.reasons == ()


def test_every_suggested_category_is_in_the_taxonomy() -> None:
    with pytest.raises(ValueError, match="unknown categories"):
        suggest(
            sign_groups=["psychosis"],
            positive_screens=[],
            disposition="",
            known_categories=frozenset({"crisis-line"}),
        )
