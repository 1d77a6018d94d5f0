from django.urls import path

from linli.partylife import views, views_picker, views_reports

app_name = "partylife"
urlpatterns = [
    path("", views_reports.home, name="home"),
    path("behind/", views_reports.behind, name="behind"),
    path("figures/", views_reports.figures, name="figures"),
    path("secretaries/", views_reports.secretaries, name="secretaries"),
    path("secretaries/<slug:action>/", views_reports.secretaries_act, name="secretaries_act"),
    path("people-search/", views_picker.people_search, name="people_search"),
    path("branches/<int:org_id>/", views.branch, name="branch"),
    path("branches/<int:org_id>/<slug:action>/", views.branch_act, name="branch_act"),
    path("meetings/<int:meeting_id>/", views.meeting, name="meeting"),
    path("meeting-photos/<int:photo_id>", views.meeting_photo, name="meeting_photo"),
    path("meetings/<int:meeting_id>/<slug:action>/", views.meeting_act, name="meeting_act"),
    path("study/<int:material_id>/", views.material, name="material"),
    path("study/<int:material_id>/file", views.material_file, name="material_file"),
    path("study/<int:material_id>/<slug:action>/", views.material_act, name="material_act"),
]
