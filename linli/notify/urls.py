from django.urls import path

from linli.notify import views

app_name = "notify"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("badge/", views.badge, name="badge"),
    path("read/", views.mark_read, name="read"),
    path("<int:notification_id>/open/", views.open_item, name="open"),
    path("robots/", views.robots, name="robots"),
    path("robots/add/", views.robot_add, name="robot_add"),
    path("robots/<int:hook_id>/remove/", views.robot_remove, name="robot_remove"),
    path("robots/<int:hook_id>/test/", views.robot_test, name="robot_test"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<int:delivery_id>/retry/", views.delivery_retry_view, name="delivery_retry"),
]
