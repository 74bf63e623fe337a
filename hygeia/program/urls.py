from django.urls import path

from hygeia.program import assessment_views, board_views, policy_views, views

app_name = "program"

urlpatterns = [
    path("", views.home, name="home"),
    path("frameworks/<str:key>/", views.framework_detail, name="framework"),
    path("assessments/", assessment_views.assessment_list, name="assessments"),
    path("assessments/<int:pk>/", assessment_views.assessment_detail, name="assessment"),
    path(
        "assessments/<int:pk>/items/<int:requirement_id>/",
        assessment_views.assessment_item,
        name="assessment_item",
    ),
    path(
        "assessments/<int:pk>/against/<str:key>/",
        assessment_views.assessment_against,
        name="assessment_against",
    ),
    path("evidence/<int:file_id>/", assessment_views.evidence_file, name="evidence_file"),
    path("education/", assessment_views.education_view, name="education"),
    path("education/import/", assessment_views.education_import, name="education_import"),
    path("education/assign/", assessment_views.education_assign, name="education_assign"),
    path("policies/", policy_views.policy_list, name="policies"),
    path("policies/<str:reference>/", policy_views.policy_detail, name="policy"),
    path("policies/<str:reference>/act/", policy_views.policy_action, name="policy_action"),
    path("budget/", board_views.budget_view, name="budget"),
    path("budget/<int:year>.csv", board_views.budget_export, name="budget_export"),
    path("board/", board_views.board_view, name="board"),
    path("board/report.pdf", board_views.board_pdf, name="board_pdf"),
    path("risks/", views.risk_list, name="risks"),
    path("risks/new/", views.risk_edit, name="risk_new"),
    path("risks/<str:reference>/", views.risk_detail, name="risk"),
    path("risks/<str:reference>/edit/", views.risk_edit, name="risk_edit"),
    path("risks/<str:reference>/treatments/", views.treatment_add, name="treatment_add"),
]
