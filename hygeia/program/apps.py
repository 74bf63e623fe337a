from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_frameworks(sender: Any, **kwargs: Any) -> None:
    """The bundled frameworks are content: stored at every migration, once per version."""
    from hygeia.program import frameworks

    frameworks.install_bundled()


class ProgramConfig(AppConfig):
    name = "hygeia.program"
    label = "program"
    verbose_name = "Security program"

    def ready(self) -> None:
        post_migrate.connect(_install_frameworks, sender=self)
