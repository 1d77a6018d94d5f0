from django.urls import path

from linli.accounts import views, views_security

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_page, name="login"),
    path("login/code/", views.code_page, name="code"),
    path("logout/", views.logout_page, name="logout"),
    path("2fa/", views_security.two_factor, name="two_factor"),
    path("reauth/", views_security.reauth, name="reauth"),
    path("security/", views_security.security, name="security"),
    path("security/password/", views_security.password_change_view, name="password_change"),
    path("security/phone/", views_security.phone_change, name="phone_change"),
    path("security/2fa/off/", views_security.two_factor_off, name="two_factor_off"),
    path("security/recovery-codes/", views_security.recovery_codes_new, name="recovery_codes"),
    path("sessions/<int:session_id>/end/", views_security.session_end, name="session_end"),
    path("admin/sessions/", views_security.admin_sessions, name="admin_sessions"),
    path("admin/users/<int:user_id>/end-sessions/", views_security.admin_end_sessions, name="admin_end_sessions"),
    path("admin/users/<int:user_id>/reset-2fa/", views_security.admin_reset_two_factor, name="admin_reset_2fa"),
]
