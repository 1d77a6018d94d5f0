from django.urls import path

from linli.duties import views, views_assessment, views_manage

app_name = "duties"
urlpatterns = [
    path("", views.index, name="index"),
    path("streets/<int:street_id>/", views.public_duties, name="public_duties"),
    path("streets/<int:street_id>/entries/", views.public_entries, name="public_entries"),
    path("streets/<int:street_id>/duties.xlsx", views.export_duties, name="export_duties"),
    path("streets/<int:street_id>/entries.xlsx", views.export_entries, name="export_entries"),
    path("streets/<int:street_id>/manage/", views_manage.manage, name="manage"),
    path("tasks/", views.tasks, name="tasks"),
    path("assessment/", views_assessment.assessment, name="assessment"),
    path("assessment/rate/", views_assessment.assessment_rate, name="assessment_rate"),
    path("tasks/<int:task_id>/", views.task, name="task"),
]
