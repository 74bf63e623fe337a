from django.urls import path

from hygeia.core import auth_views, views

app_name = "core"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", auth_views.login_view, name="login"),
    path("login/mfa/", auth_views.login_mfa_view, name="login_mfa"),
    path("login/sso/", auth_views.sso_start, name="sso_start"),
    path("login/sso/callback/", auth_views.sso_callback, name="sso_callback"),
    path("logout/", auth_views.logout_view, name="logout"),
    path("logout/required/", views.logout_required, name="logout_required"),
    path("account/", views.account, name="account"),
    path("account/password/", views.account_password, name="account_password"),
    path("account/notifications/", views.account_notifications, name="account_notifications"),
    path("account/mfa/enrol/", views.mfa_enrol, name="mfa_enrol"),
    path("account/mfa/recovery-codes/", views.mfa_recovery_codes, name="mfa_recovery_codes"),
    path("account/mfa/remove/", views.mfa_remove, name="mfa_remove"),
    path("account/tokens/", views.token_create, name="token_create"),
    path("account/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("users/", views.users, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:user_id>/", views.user_detail, name="user_detail"),
    path("users/<int:user_id>/edit/", views.user_edit, name="user_edit"),
    path("users/<int:user_id>/<slug:action>/", views.user_action, name="user_action"),
    path("roles/", views.roles, name="roles"),
    path("roles/<int:policy_id>/policy/", views.role_policy, name="role_policy"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/verify/", views.audit_verify, name="audit_verify"),
    path("audit/export/<slug:fmt>/", views.audit_export, name="audit_export"),
    path("audit/<int:seq>/", views.audit_detail, name="audit_detail"),
]
