"""Open311 GeoReport v2 at /open311/v2/: every endpoint answers in .json or .xml."""

from django.urls import re_path

from linli.interop import open311_views as views

app_name = "open311"
FMT = r"\.(?P<fmt>[A-Za-z0-9]{1,10})"
urlpatterns = [
    re_path(rf"^discovery{FMT}$", views.discovery, name="discovery"),
    re_path(rf"^services{FMT}$", views.services, name="services"),
    re_path(rf"^services/(?P<code>[^/.]+){FMT}$", views.service_definition, name="service"),
    re_path(rf"^requests{FMT}$", views.requests_collection, name="requests"),
    re_path(rf"^requests/(?P<request_id>[^/.]+){FMT}$", views.request_detail, name="request"),
    re_path(rf"^tokens/(?P<token>[^/.]+){FMT}$", views.token_detail, name="token"),
    re_path(rf"^servicerequestupdates{FMT}$", views.request_updates, name="updates"),
    re_path(r"^media/(?P<photo_id>\d+)\.(?P<ext>jpg|png|webp)$", views.media, name="media"),
    re_path(r"^(?P<rest>.*)$", views.unknown, name="unknown"),
]
