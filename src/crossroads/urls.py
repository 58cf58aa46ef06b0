from django.urls import include, path

from crossroads.api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("crossroads.encounters.urls")),
    path("directory/", include("crossroads.directory.urls")),
    path("referrals/", include("crossroads.referrals.urls")),
    path("consent/", include("crossroads.consent.urls")),
    path("programs/", include("crossroads.programs.urls")),
    path("people/", include("crossroads.people.urls")),
    path("training/", include("crossroads.training.urls")),
    path("analytics/", include("crossroads.analytics.urls")),
    path("transparency/", include("crossroads.analytics.public_urls")),
    path("", include("crossroads.core.urls")),
]

handler404 = "crossroads.core.views.errors.not_found"
