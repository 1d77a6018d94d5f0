from django.urls import path

from linli.commons import views

app_name = "commons"
urlpatterns = [
    path("", views.index, name="index"),
    path("compounds/<int:compound_id>/", views.ledger, name="ledger"),
    path("compounds/<int:compound_id>/record/", views.record, name="record"),
    path("compounds/<int:compound_id>/settings/", views.settings, name="settings"),
    path("compounds/<int:compound_id>/publish/", views.publish, name="publish"),
    path("compounds/<int:compound_id>/export.xlsx", views.export_xlsx, name="export"),
    path("compounds/<int:compound_id>/public/", views.public, name="public"),
    path("entries/<int:entry_id>/", views.entry, name="entry"),
    path("entries/<int:entry_id>/reverse/", views.reverse, name="reverse"),
    path("notices/<int:notice_id>/", views.notice, name="notice"),
]
