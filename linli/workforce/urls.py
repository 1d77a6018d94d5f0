from django.urls import path

from linli.workforce import views, views_training

app_name = "workforce"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("new/", views.new, name="new"),
    path("figures/", views.figures, name="figures"),
    path("export.xlsx", views.export, name="export"),
    path("<int:worker_id>/", views.worker, name="worker"),
    path("<int:worker_id>/edit/", views.edit, name="edit"),
    path("<int:worker_id>/leave/", views.leave, name="leave"),
    path("<int:worker_id>/certificate/", views.certificate, name="certificate"),
    path("trainings/", views_training.trainings, name="trainings"),
    path("trainings/new/", views_training.training_new, name="training_new"),
    path("trainings/<int:training_id>/", views_training.training, name="training"),
]
