"""Accounts URLs. Include FIRST in firstcall/urls.py (before admin/ and firstcall.web.urls): the `login`,
`logout` and `admin/login/` routes here replace the plain ones there."""

from django.urls import path

from firstcall.accounts import views

urlpatterns = [
    path("login/", views.sign_in, name="login"),
    path("login/verify/", views.verify, name="login_verify"),
    path("logout/", views.sign_out, name="logout"),
    path("admin/login/", views.admin_login, name="admin_login"),
    path("password-reset/", views.PasswordResetRequestView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password-reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("account/two-factor/", views.two_factor_settings, name="two_factor_settings"),
    path("account/two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/disable/", views.disable_two_factor, name="two_factor_disable"),
    path(
        "account/two-factor/recovery-codes/",
        views.regenerate_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("audit/", views.audit_log, name="audit_log"),
]
