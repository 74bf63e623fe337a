from django.urls import path

from hygeia.privacy import alerts_views, explanations_views

app_name = "alerts"

urlpatterns = [
    path("", alerts_views.alerts, name="list"),
    path("explanations/", explanations_views.explanations, name="explanations"),
    path("explanations/decide/", explanations_views.decide, name="decide_explanation"),
    path("triage/", alerts_views.triage, name="triage"),
    path("reveal/", alerts_views.reveal, name="reveal"),
    path("incidents/<int:incident_id>/", alerts_views.incident, name="incident"),
    path("incidents/<int:incident_id>/case/", alerts_views.open_case, name="open_case"),
]
