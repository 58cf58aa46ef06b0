from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "crossroads.programs"
    label = "programs"
    verbose_name = "Programs and cases"
