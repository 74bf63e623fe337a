from django.urls import path

from hygeia.ai import dashboard_views, intake_views, views

app_name = "ai"

urlpatterns = [
    path("", views.tools, name="tools"),
    path("new/", views.edit, name="new"),
    path("request/", intake_views.request_tool, name="request"),
    path("requests/", intake_views.my_requests, name="my_requests"),
    path("shadow/", dashboard_views.shadow, name="shadow"),
    path("shadow/review/", dashboard_views.review, name="shadow_review"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("import/", views.import_file, name="import"),
    path("inventory.<str:fmt>", views.export, name="export"),
    path("<str:reference>/", views.detail, name="detail"),
    path("<str:reference>/edit/", views.edit, name="edit"),
    path("<str:reference>/documentation/", views.documentation, name="documentation"),
    path("<str:reference>/model-card.xml", views.card, name="card"),
    path("<str:reference>/review/", intake_views.decide, name="decide"),
    path("<str:reference>/assign/", intake_views.assign, name="assign_stage"),
    path("<str:reference>/comment/", intake_views.comment, name="comment"),
    path("<str:reference>/resubmit/", intake_views.resubmit, name="resubmit"),
    path("<str:reference>/re-review/", intake_views.re_review, name="re_review"),
]
