from django.urls import path

from linli.interop import views

app_name = "interop"
urlpatterns = [
    path("", views.index, name="index"),
    path("keys/create/", views.key_create, name="key_create"),
    path("keys/<int:key_id>/revoke/", views.key_revoke, name="key_revoke"),
    path("webhooks/create/", views.subscriber_create, name="subscriber_create"),
    path("webhooks/<int:subscriber_id>/", views.deliveries, name="deliveries"),
    path("webhooks/<int:subscriber_id>/disable/", views.subscriber_disable, name="subscriber_disable"),
    path("deliveries/<int:delivery_id>/replay/", views.delivery_replay, name="delivery_replay"),
]
