"""The public transparency pages (no sign-in; core/access_matrix.yaml declares them public)."""

from django.urls import path

from crossroads.analytics import views_public

app_name = "transparency"

urlpatterns = [
    path("", views_public.index, name="index"),
    path("how-we-count/", views_public.how_we_count, name="how_we_count"),
    path("<slug:slug>/", views_public.agency, name="agency"),
]
