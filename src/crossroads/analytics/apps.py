from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "crossroads.analytics"
    label = "analytics"
    verbose_name = "Analytics"
