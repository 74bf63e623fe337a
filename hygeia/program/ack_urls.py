from django.urls import path

from hygeia.program import policy_views

app_name = "ack"

urlpatterns = [path("<str:token>/", policy_views.acknowledge, name="policy")]
