from django.urls import path

from hygeia.survey import views

app_name = "survey"

urlpatterns = [
    path("", views.home, name="home"),
    path("benchmark/", views.benchmark_view, name="benchmark"),
    path("benchmark.pdf", views.benchmark_pdf, name="benchmark_pdf"),
    path("editions/", views.edition_list, name="editions"),
    path("editions/<slug:key>/", views.edition_detail, name="edition"),
    path("editions/<slug:key>/invite/", views.invite, name="invite"),
    path("editions/<slug:key>/invitations/<int:invitation_id>/resend/", views.reinvite,
         name="reinvite"),
    path("editions/<slug:key>/close/", views.close, name="close"),
    path("editions/<slug:key>/report/", views.report_view, name="report"),
    path("editions/<slug:key>/report.pdf", views.report_pdf, name="report_pdf"),
    path("editions/<slug:key>/aggregates.csv", views.aggregates_csv, name="aggregates_csv"),
]  # fmt: skip
