from django.urls import include, path

from hygeia.api import api
from hygeia.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/", api.urls),
    path("patients/", include("hygeia.privacy.urls")),
    path("sources/", include("hygeia.privacy.sources_urls")),
    path("alerts/", include("hygeia.privacy.alerts_urls")),
    path("cases/", include("hygeia.privacy.cases.urls")),
    path("review/", include("hygeia.privacy.cases.review_urls")),
    path("privacy-reports/", include("hygeia.privacy.reports_urls")),
    path("ai/", include("hygeia.ai.urls")),
    path("vendors/", include("hygeia.vendors.urls")),
    path("portal/", include("hygeia.vendors.portal_urls")),
    path("program/", include("hygeia.program.urls")),
    path("ack/", include("hygeia.program.ack_urls")),
    path("survey/", include("hygeia.survey.urls")),
    path("respond/", include("hygeia.survey.respond_urls")),
    path("", include("hygeia.core.urls")),
]

handler400 = "hygeia.core.errors.bad_request"
handler403 = "hygeia.core.errors.permission_denied"
handler404 = "hygeia.core.errors.page_not_found"
handler500 = "hygeia.core.errors.server_error"
