from django.urls import path

from linli.elections import views, views_manage

app_name = "elections"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views_manage.new, name="new"),
    path("<int:election_id>/", views.election, name="election"),
    path("<int:election_id>/vote/", views.vote, name="vote"),
    path("<int:election_id>/result/", views.result, name="result"),
    path("<int:election_id>/paper/", views_manage.paper, name="paper"),
]
