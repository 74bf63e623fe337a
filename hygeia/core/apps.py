from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "hygeia.core"
    label = "core"
    verbose_name = "Hygeia core"

    def ready(self) -> None:
        from hygeia.core import signals

        signals.connect()
