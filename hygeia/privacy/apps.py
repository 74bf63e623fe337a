from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "hygeia.privacy"
    label = "privacy"
    verbose_name = "Privacy monitoring"
