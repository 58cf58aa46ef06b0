from django.urls import path

from crossroads.people import views

app_name = "people"

urlpatterns = [
    path("<uuid:person_id>/", views.person_timeline, name="person_timeline"),
    path("<uuid:person_id>/flags/", views.flag_set, name="flag_set"),
    path("<uuid:person_id>/flags/<uuid:flag_id>/clear/", views.flag_clear, name="flag_clear"),
]
