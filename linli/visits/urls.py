from django.urls import path

from linli.visits import views_checklists, views_reports, views_visits

app_name = "visits"
urlpatterns = [
    path("", views_visits.visit_list, name="list"),
    path("new/", views_visits.visit_new, name="new"),
    path("<int:visit_id>/", views_visits.visit_detail, name="detail"),
    path("<int:visit_id>/act/", views_visits.visit_act, name="act"),
    path("photos/<int:photo_id>", views_visits.photo, name="photo"),
    path("coverage/", views_reports.coverage_page, name="coverage"),
    path("figures/", views_reports.figures_page, name="figures"),
    path("rules/", views_reports.rules_page, name="rules"),
    path("checklists/", views_checklists.checklists_page, name="checklists"),
    path("hazards/", views_reports.hazards_page, name="hazards"),
    path("hazards/<int:hazard_id>/", views_reports.hazard_page, name="hazard"),
    path("households/<int:household_id>/", views_reports.household_page, name="household"),
    path("households/<int:household_id>/care-plan/", views_reports.care_plan_view, name="care_plan"),
]
