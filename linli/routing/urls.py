from django.urls import path

from linli.routing import views

app_name = "routing"
urlpatterns = [
    path("", views.home, name="home"),
    path("train/", views.train, name="train"),
    path("keywords/", views.keywords, name="keywords"),
    path("accuracy/", views.accuracy, name="accuracy"),
    path("hotspots/", views.hotspots, name="hotspots"),
    path("hotspots/case/", views.open_case, name="open_case"),
    path("intake-panel/", views.intake_panel, name="intake_panel"),
    path("requests/<int:ticket_id>/merge/", views.merge, name="merge"),
]
