from django.urls import URLPattern, path

from crossroads.training.views import coverage, outcomes, rosters, sessions

app_name = "training"

urlpatterns: list[URLPattern] = [
    # --- Courses, sessions, knowledge checks, certifications (views/sessions.py) ---
    path("", sessions.home, name="home"),
    path("courses/", sessions.course_list, name="course_list"),
    path("courses/new/", sessions.course_new, name="course_new"),
    path("courses/<str:code>/", sessions.course_detail, name="course_detail"),
    path("sessions/", sessions.session_list, name="session_list"),
    path("sessions/new/", sessions.session_new, name="session_new"),
    path("sessions/<uuid:session_id>/", sessions.session_detail, name="session_detail"),
    path(
        "sessions/<uuid:session_id>/attendance/",
        sessions.session_attendance,
        name="session_attendance",
    ),
    path(
        "sessions/<uuid:session_id>/complete/", sessions.session_complete, name="session_complete"
    ),
    path("sessions/<uuid:session_id>/cancel/", sessions.session_cancel, name="session_cancel"),
    path("sessions/<uuid:session_id>/edit/", sessions.session_edit, name="session_edit"),
    path(
        "sessions/<uuid:session_id>/roll/<uuid:officer_id>/remove/",
        sessions.session_roll_remove,
        name="session_roll_remove",
    ),
    path(
        "sessions/<uuid:session_id>/check/<str:phase>/",
        sessions.session_check,
        name="session_check",
    ),
    path("sessions/<uuid:session_id>/report/", sessions.session_report, name="session_report"),
    path("certifications/", sessions.certification_list, name="certification_list"),
    # --- Rosters and who is on duty (views/rosters.py) ---
    path("roster/", rosters.roster, name="roster"),
    path("roster/precincts/new/", rosters.precinct_new, name="precinct_new"),
    path("roster/shifts/new/", rosters.shift_new, name="shift_new"),
    path("roster/target/", rosters.coverage_target, name="coverage_target"),
    path("roster/squads/new/", rosters.squad_new, name="squad_new"),
    path("roster/assignments/new/", rosters.assignment_new, name="assignment_new"),
    path(
        "roster/assignments/<uuid:assignment_id>/end/",
        rosters.assignment_end,
        name="assignment_end",
    ),
    path("on-duty/", rosters.on_duty, name="on_duty"),
    # --- CIT coverage (views/coverage.py) ---
    path("coverage/", coverage.coverage_page, name="coverage"),
    path("coverage/train-next/", coverage.train_next, name="train_next"),
    # --- Outcomes and the field reference (views/outcomes.py) ---
    path("outcomes/", outcomes.outcomes, name="outcomes"),
    path("field-reference/", outcomes.field_reference, name="field_reference"),
]
