from django.urls import path

from linli.orgs import views, views_organisations

app_name = "orgs"
urlpatterns = [
    path("", views.party_tree, name="party_tree"),
    path("party/<int:org_id>/", views.party_detail, name="party_detail"),
    path("organisations/", views_organisations.organisations, name="organisations"),
    path("contacts/", views_organisations.contacts, name="contacts"),
    path("organisations/<int:org_id>/", views_organisations.organisation_detail, name="organisation"),
]
