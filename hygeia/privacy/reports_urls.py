from django.urls import path

from hygeia.privacy import reports_views

app_name = "reports"

urlpatterns = [
    path("", reports_views.dashboard, name="dashboard"),
    path("<int:year>-<int:month>.pdf", reports_views.monthly, name="monthly"),
]
