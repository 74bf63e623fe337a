from django.urls import path

from hygeia.privacy import alerts_views

app_name = "alerts"

urlpatterns = [
    path("", alerts_views.alerts, name="list"),
]
