from django.urls import path

from hygeia.program import views

app_name = "program"

urlpatterns = [
    path("", views.home, name="home"),
    path("frameworks/<str:key>/", views.framework_detail, name="framework"),
    path("risks/", views.risk_list, name="risks"),
    path("risks/new/", views.risk_edit, name="risk_new"),
    path("risks/<str:reference>/", views.risk_detail, name="risk"),
    path("risks/<str:reference>/edit/", views.risk_edit, name="risk_edit"),
    path("risks/<str:reference>/treatments/", views.treatment_add, name="treatment_add"),
]
