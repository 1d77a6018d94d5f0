from django.urls import path

from linli.rota import views_desks, views_people

app_name = "rota"
urlpatterns = [
    path("", views_desks.index, name="index"),
    path("desks/new/", views_desks.desk_new, name="desk_new"),
    path("desks/<int:desk_id>/", views_desks.desk, name="desk"),
    path("desks/<int:desk_id>/settings/", views_desks.desk_settings, name="desk_settings"),
    path("desks/<int:desk_id>/schedule/", views_desks.schedule, name="schedule"),
    path("desks/<int:desk_id>/rota.xlsx", views_desks.export, name="export"),
    path("desks/<int:desk_id>/open/", views_people.public, name="public"),
    path("mine/", views_people.mine, name="mine"),
    path("approvals/", views_people.approvals, name="approvals"),
    path("figures/", views_people.figures, name="figures"),
]
