from django.urls import path

from crossroads.programs import views

app_name = "programs"

case = "cases/<uuid:case_id>/"

urlpatterns = [
    path("", views.program_list, name="program_list"),
    path("caseload/", views.caseload, name="caseload"),
    path("sign-off/", views.sign_off_list, name="sign_off_list"),
    path("enrol/", views.case_new, name="case_new"),
    path("<uuid:program_id>/", views.program_detail, name="program_detail"),
    path(case, views.case_detail, name="case_detail"),
    path(f"{case}move/", views.case_move, name="case_move"),
    path(f"{case}eligibility/", views.case_eligibility, name="case_eligibility"),
    path(f"{case}charge/", views.case_charge, name="case_charge"),
    path(f"{case}assign/", views.case_assign, name="case_assign"),
    path(f"{case}goals/", views.goal_add, name="goal_add"),
    path(f"{case}goals/<int:goal_id>/", views.goal_status, name="goal_status"),
    path(f"{case}contacts/", views.contact_log, name="contact_log"),
    path(
        f"{case}follow-ups/<int:follow_up_id>/close/",
        views.follow_up_close,
        name="follow_up_close",
    ),
    path(f"{case}conferences/", views.conference_record, name="conference_record"),
    path(f"{case}close/", views.case_close, name="case_close"),
    path(f"{case}tasks/<uuid:task_id>/done/", views.task_done, name="task_done"),
]
