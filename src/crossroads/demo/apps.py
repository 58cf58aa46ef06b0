from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "crossroads.demo"
    label = "demo"
    verbose_name = "Synthetic demo county"
