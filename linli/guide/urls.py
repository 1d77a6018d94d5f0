from django.urls import path

from linli.guide import views, views_manage

app_name = "guide"
urlpatterns = [
    path("", views.index, name="index"),
    path("figures/", views_manage.figures, name="figures"),
    path("streets/<int:street_id>/", views.street, name="street"),
    path("communities/<int:community_id>/", views.community, name="community"),
    path("communities/<int:community_id>/services.xlsx", views.export, name="export"),
    path("communities/<int:community_id>/versions/", views.versions, name="versions"),
    path("communities/<int:community_id>/manage/", views_manage.manage, name="manage"),
    path("communities/<int:community_id>/new/", views_manage.item_new, name="new"),
    path("versions/<int:version_id>/", views.publication, name="publication"),
    path("items/<int:service_item_id>/", views.item, name="item"),
    path("items/<int:service_item_id>/edit/", views_manage.item_edit, name="edit"),
]
