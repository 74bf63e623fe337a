from django.urls import path

from hygeia.survey import respond_views

app_name = "respond"

urlpatterns = [
    path("<str:token>/", respond_views.home, name="home"),
    path("<str:token>/response.csv", respond_views.response_csv, name="response_csv"),
    path("<str:token>/benchmark.pdf", respond_views.benchmark_pdf, name="benchmark_pdf"),
]
