from django.urls import path

from hygeia.privacy import reports_views, views

app_name = "privacy"

urlpatterns = [
    path("", views.patients, name="patients"),
    path("<uuid:patient_id>/", views.patient_detail, name="patient_detail"),
    path(
        "<uuid:patient_id>/access-report/",
        reports_views.access_report,
        name="access_report",
    ),
]
