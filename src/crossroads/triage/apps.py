from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "crossroads.triage"
    label = "triage"
    verbose_name = "Call triage"
