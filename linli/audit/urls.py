from django.urls import path

from linli.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.index, name="index"),
    path("export.<str:fmt>", views.export, name="export"),
    path("review/", views.review, name="review"),
]
