from django.urls import path

from linli.teams import views, views_setup

app_name = "teams"
urlpatterns = [
    path("", views.index, name="index"),
    path("compounds/<int:compound_id>/", views.compound, name="compound"),
    path("communities/<int:community_id>/template/", views_setup.template, name="template"),
    path("standards/", views_setup.standards, name="standards"),
]
