from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "crossroads.api"
    label = "api"
