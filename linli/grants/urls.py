from django.urls import path

from linli.grants import views, views_project

app_name = "grants"
urlpatterns = [
    path("", views.index, name="index"),
    path("rounds/<int:round_id>/", views.round_page, name="round"),
    path("rounds/<int:round_id>/export.xlsx", views.round_export, name="round_export"),
    path("projects/<int:grant_project_id>/", views_project.project_page, name="project"),
    path("public/<int:street_id>/", views.public, name="public"),
]
