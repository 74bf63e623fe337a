from django.urls import path

from hygeia.privacy import sources_views

app_name = "ingest"

urlpatterns = [
    path("", sources_views.sources, name="sources"),
    path("<str:token>/quarantine/", sources_views.quarantine, name="quarantine"),
]
