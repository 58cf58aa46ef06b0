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

# Synthetic given and family names for staff and the people they meet.
FIRST_NAMES = [
    "Avery",
    "Jordan",
    "Morgan",
    "Riley",
    "Casey",
    "Quinn",
    "Rowan",
    "Emerson",
    "Sage",
    "Parker",
    "Reese",
    "Hayden",
    "Dakota",
    "Skyler",
    "Kendall",
    "Logan",
    "Marisol",
    "Tomas",
    "Aisha",
    "Mei",
    "Olu",
    "Priya",
    "Dmitri",
    "Lena",
]
LAST_NAMES = [
    "Alvarez",
    "Brooks",
    "Chen",
    "Dawson",
    "Ellison",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ibarra",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Mensah",
    "Nakamura",
    "Okafor",
    "Patel",
    "Quintero",
    "Rasmussen",
    "Sato",
    "Thompson",
    "Usman",
    "Varga",
]
