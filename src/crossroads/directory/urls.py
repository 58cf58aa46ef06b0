from django.urls import path

from crossroads.directory import capacity_views, maintain_views, views

app_name = "directory"

urlpatterns = [
    # Finding a place, and a service's listing (views.py).
    path("", views.search_page, name="search"),
    path("services/<uuid:service_id>/", views.service_detail, name="service_detail"),
    # Live capacity, kept by the providers' intake staff (capacity_views.py).
    path("capacity/", capacity_views.capacity_board, name="capacity"),
    path("capacity/<uuid:site_id>/report/", capacity_views.capacity_report, name="capacity_report"),
    path(
        "capacity/<uuid:site_id>/history/",
        capacity_views.capacity_history,
        name="capacity_history",
    ),
    # Keeping listings true: the maintainer's queues, the provider's edits (maintain_views.py).
    path("verification/", maintain_views.verification_list, name="verification_list"),
    path("verification/<uuid:task_id>/verify/", maintain_views.record_verify, name="record_verify"),
    path("changes/", maintain_views.change_list, name="change_list"),
    path("changes/<uuid:change_id>/approve/", maintain_views.change_approve, name="change_approve"),
    path("changes/<uuid:change_id>/reject/", maintain_views.change_reject, name="change_reject"),
    path("listings/", maintain_views.listing_list, name="listing_list"),
    path(
        "listings/<str:table>/<uuid:record_id>/edit/",
        maintain_views.listing_edit,
        name="listing_edit",
    ),
]
