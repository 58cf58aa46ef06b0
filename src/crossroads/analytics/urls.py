from django.urls import URLPattern, path

from crossroads.analytics.views import dashboard, drilldown, evaluation, reports

app_name = "analytics"

urlpatterns: list[URLPattern] = [
    path("", dashboard.dashboard, name="dashboard"),
    path("records/", drilldown.drilldown, name="drilldown"),
    path("evaluation/", evaluation.evaluation_page, name="evaluation"),
    path("parameters/", evaluation.parameters, name="parameters"),
    path("grant-report/", reports.grant_report, name="grant_report"),
]
