from django.urls import path

from linli.places import views, views_compounds, views_security

app_name = "places"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:place_id>/", views.detail, name="detail"),
    path("<int:place_id>/grids/", views_compounds.grids, name="grids"),
    path("<int:place_id>/grid-standards/", views_compounds.standards, name="standards"),
    path("<int:place_id>/profile/", views_compounds.profile, name="profile"),
    path("<int:place_id>/security/", views_security.security, name="security"),
    path("security/<int:facility_id>/", views_security.facility, name="security_facility"),
]
