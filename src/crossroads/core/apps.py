from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "crossroads.core"
    label = "core"
    verbose_name = "Crossroads core"

    def ready(self) -> None:
        from crossroads.core import signals  # noqa: F401  (connects the sign-in audit handlers)
