from django.apps import AppConfig


class AIConfig(AppConfig):
    name = "hygeia.ai"
    label = "ai"
    verbose_name = "AI governance"
