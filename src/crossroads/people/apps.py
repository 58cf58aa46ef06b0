from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "crossroads.people"
    label = "people"
    verbose_name = "People"
