from django.urls import URLPattern, path  # noqa: F401  (each part adds its routes below)

from crossroads.training.views import coverage, outcomes, rosters, sessions  # noqa: F401

app_name = "training"

urlpatterns: list[URLPattern] = [
    # --- Courses, sessions, knowledge checks, certifications (views/sessions.py) ---
    # --- Rosters and who is on duty (views/rosters.py) ---
    # --- CIT coverage (views/coverage.py) ---
    # --- Outcomes and the field reference (views/outcomes.py) ---
]
