from django.urls import path

from hygeia.vendors import portal_views

app_name = "portal"

urlpatterns = [
    path("<str:token>/", portal_views.home, name="home"),
    path("<str:token>/upload/", portal_views.upload, name="upload"),
    path("<str:token>/actions/<int:action_id>/", portal_views.update_action, name="action"),
]
