from django.urls import path

from hygeia.privacy.cases import views

app_name = "review"

urlpatterns = [
    path("<str:token>/", views.review, name="case"),
]
