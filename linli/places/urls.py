from django.urls import path

from linli.places import views

app_name = "places"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:place_id>/", views.detail, name="detail"),
]
