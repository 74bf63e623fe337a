from django.urls import path

from hygeia.ai import views

app_name = "ai"

urlpatterns = [
    path("", views.tools, name="tools"),
    path("new/", views.edit, name="new"),
    path("import/", views.import_file, name="import"),
    path("inventory.<str:fmt>", views.export, name="export"),
    path("<str:reference>/", views.detail, name="detail"),
    path("<str:reference>/edit/", views.edit, name="edit"),
    path("<str:reference>/documentation/", views.documentation, name="documentation"),
    path("<str:reference>/model-card.xml", views.card, name="card"),
]
