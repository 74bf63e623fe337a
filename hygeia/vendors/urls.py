from django.urls import path

from hygeia.vendors import dashboard_views, views

app_name = "vendors"

urlpatterns = [
    path("", views.vendor_list, name="list"),
    path("new/", views.edit, name="new"),
    path("import/", views.import_file, name="import"),
    path("vendors.<str:fmt>", views.export, name="export"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("exposure/", views.exposure_view, name="exposure"),
    path("vulnerabilities/import/", dashboard_views.vulns_import, name="vulns_import"),
    path("breaches/import/", dashboard_views.breach_import, name="breach_import"),
    path("breaches/<int:report_id>/", dashboard_views.breach_review, name="breach_review"),
    path("assessments/", views.assessment_list, name="assessments"),
    path("assessments/<str:number>/", views.assessment_detail, name="assessment"),
    path("assessments/<str:number>/act/", views.assessment_action, name="assessment_action"),
    path("assessments/<str:number>/report.pdf", views.assessment_pdf, name="assessment_pdf"),
    path("files/<int:file_id>/", views.download, name="file"),
    path("products/<int:product_id>/", views.product_detail, name="product"),
    path("products/<int:product_id>/sbom/", views.sbom_upload, name="sbom_upload"),
    path("<int:vendor_id>/", views.detail, name="detail"),
    path("<int:vendor_id>/edit/", views.edit, name="edit"),
    path("<int:vendor_id>/add/<str:kind>/", views.add_child, name="add"),
    path("<int:vendor_id>/assess/", views.assess, name="assess"),
    path("<int:vendor_id>/accept/", views.accept_risk, name="accept"),
]
