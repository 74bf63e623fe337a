from django.apps import AppConfig


class VendorsConfig(AppConfig):
    name = "hygeia.vendors"
    label = "vendors"
    verbose_name = "Third-party risk"
