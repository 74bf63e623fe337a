from django.urls import path

from hygeia.privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.patients, name="patients"),
    path("<uuid:patient_id>/", views.patient_detail, name="patient_detail"),
]
