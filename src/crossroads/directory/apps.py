from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_taxonomy(sender: AppConfig, **kwargs: Any) -> None:
    from crossroads.directory.actions import taxonomy_install

    taxonomy_install()


class DirectoryConfig(AppConfig):
    name = "crossroads.directory"
    label = "directory"
    verbose_name = "Resource directory"

    def ready(self) -> None:
        post_migrate.connect(_install_taxonomy, sender=self)
