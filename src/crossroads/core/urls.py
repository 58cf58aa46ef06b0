from django.urls import path

from crossroads.core.views import auth, pages

app_name = "core"

urlpatterns = [
    path("accounts/sign-in/", auth.sign_in, name="login"),
    path("accounts/second-factor/", auth.mfa_verify, name="mfa_verify"),
    path("accounts/second-factor/enrol/", auth.mfa_enrol, name="mfa_enrol"),
    path("accounts/sign-out/", auth.sign_out, name="logout"),
    path("healthz", pages.healthz, name="healthz"),
    path("", pages.home, name="home"),
    path("account/", pages.account, name="account"),
    path("account/second-factor/replace/", pages.mfa_reset, name="mfa_reset"),
    path("account/tokens/", pages.token_create, name="token_create"),
    path("account/tokens/<uuid:token_id>/revoke/", pages.token_revoke, name="token_revoke"),
    path("agencies/", pages.agency_list, name="agency_list"),
    path(
        "partnerships/<uuid:partnership_id>/", pages.partnership_detail, name="partnership_detail"
    ),
    path("staff/", pages.user_list, name="user_list"),
    path("staff/new/", pages.user_create, name="user_create"),
    path("staff/<uuid:user_id>/", pages.user_detail, name="user_detail"),
    path("staff/<uuid:user_id>/roles/", pages.user_roles, name="user_roles"),
    path("staff/<uuid:user_id>/unlock/", pages.user_unlock, name="user_unlock"),
    path("staff/<uuid:user_id>/deactivate/", pages.user_deactivate, name="user_deactivate"),
    path("audit/", pages.audit_list, name="audit_list"),
    path("audit/verify/", pages.audit_verify, name="audit_verify"),
    path("audit/export.csv", pages.audit_export, name="audit_export"),
]
