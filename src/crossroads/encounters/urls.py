from django.urls import path

from crossroads.encounters import views

app_name = "encounters"

urlpatterns = [
    path("calls/", views.call_list, name="call_list"),
    path("calls/new/", views.call_intake, name="call_intake"),
    path("calls/new/triage/", views.triage_preview, name="triage_preview"),
    path("calls/<uuid:call_id>/", views.call_detail, name="call_detail"),
]
