from django.urls import path

from linli.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("requests/", views.queue, name="queue"),
    path("requests/on-behalf", views.submit_on_behalf, name="on_behalf"),
    path("requests/<int:request_id>/", views.detail, name="request"),
    path("requests/<int:request_id>/<slug:action>", views.act, name="act"),
]
