from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "crossroads.consent"
    label = "consent"
    verbose_name = "Part 2 consent"
