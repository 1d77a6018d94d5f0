from django.urls import path

from linli.workdays import views

app_name = "workdays"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:year>/", views.year_detail, name="year"),
    path("<int:year>/days/", views.day_set, name="day_set"),
    path("<int:year>/days/clear/", views.day_clear, name="day_clear"),
    path("<int:year>/publish/", views.year_publish, name="publish"),
    path("<int:year>/unpublish/", views.year_unpublish, name="unpublish"),
]
