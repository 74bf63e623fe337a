from django.apps import AppConfig


class SurveyConfig(AppConfig):
    name = "hygeia.survey"
    label = "survey"
    verbose_name = "Healthcare cybersecurity survey"
