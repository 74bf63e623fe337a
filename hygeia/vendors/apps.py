from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_questionnaires(sender: Any, **kwargs: Any) -> None:
    """The bundled questionnaires are content: stored at every migration (`hygeia init`),
    once per key and version."""
    from hygeia.vendors import questionnaire

    questionnaire.install_bundled()


class VendorsConfig(AppConfig):
    name = "hygeia.vendors"
    label = "vendors"
    verbose_name = "Third-party risk"

    def ready(self) -> None:
        post_migrate.connect(_install_questionnaires, sender=self)
