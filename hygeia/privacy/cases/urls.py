from django.urls import path

from hygeia.privacy.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.cases, name="list"),
    path("deadlines/", views.deadlines, name="deadlines"),
    path("breach-log/<int:year>.csv", views.annual_log, name="annual_log"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/update/", views.update, name="update"),
    path("<str:number>/attachments/", views.attach, name="attach"),
    path("<str:number>/attachments/<int:attachment_id>/", views.download, name="download"),
    path("<str:number>/breach/", views.assessment, name="assessment"),
]
