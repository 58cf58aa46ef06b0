"""Facts of the fictional county that every generator shares. Pure: no Django here."""

from __future__ import annotations

# About one call in ten has a behavioural-health nexus (DOMAIN.md).
BEHAVIOURAL_HEALTH_SHARE = 0.1

STREETS = [
    "Alder Ave",
    "Birch St",
    "Cedar Ln",
    "Dogwood Rd",
    "Elm St",
    "Fir Ct",
    "Harbor Way",
    "Juniper Dr",
    "Maple Ave",
    "Riverside Blvd",
    "Sycamore St",
    "Willow Ln",
]
