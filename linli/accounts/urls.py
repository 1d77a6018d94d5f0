from django.urls import path

from linli.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_page, name="login"),
    path("login/code/", views.code_page, name="code"),
    path("logout/", views.logout_page, name="logout"),
]
