from django.urls import include, path

from crossroads.api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("crossroads.encounters.urls")),
    path("", include("crossroads.core.urls")),
]
