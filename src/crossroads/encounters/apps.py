from django.apps import AppConfig


class EncountersConfig(AppConfig):
    name = "crossroads.encounters"
    label = "encounters"
    verbose_name = "Calls and encounters"
