from django.urls import path

from crossroads.encounters import field_views, views

app_name = "encounters"

urlpatterns = [
    path("calls/", views.call_list, name="call_list"),
    path("calls/new/", views.call_intake, name="call_intake"),
    path("calls/new/triage/", views.triage_preview, name="triage_preview"),
    path("calls/<uuid:call_id>/", views.call_detail, name="call_detail"),
    path("calls/<uuid:call_id>/advance/", views.call_advance, name="call_advance"),
    # The officer's field pages (field_views.py).
    path("encounters/new/", field_views.encounter_new, name="encounter_new"),
    path("encounters/new/draft/", field_views.encounter_draft_save, name="encounter_draft_save"),
    path("encounters/new/screen/", field_views.screen_preview, name="screen_preview"),
    path(
        "encounters/drafts/<uuid:draft_id>/discard/",
        field_views.encounter_draft_discard,
        name="encounter_draft_discard",
    ),
    path("encounters/<uuid:encounter_id>/", field_views.encounter_detail, name="encounter_detail"),
]
