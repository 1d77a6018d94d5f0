from django.urls import path

from linli.insights import views, views_map, views_reports, views_whistles

app_name = "insights"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("screen/", views.screen, name="screen"),
    path("figures/<str:name>/", views.figure, name="figure"),
    path("requests/", views.requests_list, name="requests"),
    path("requests/export.csv", views_reports.export_requests, name="export"),
    path("records/<str:kind>/", views.records_list, name="records"),
    path("whistles/", views_whistles.whistles_page, name="whistles"),
    path("map/", views_map.map_page, name="map"),
    path("map/data.json", views_map.map_data, name="map_data"),
    path("reports/", views_reports.reports_page, name="reports"),
    path("reports/new/", views_reports.report_request, name="report_request"),
    path("reports/<int:report_id>/", views_reports.report_page, name="report"),
    path("reports/<int:report_id>/<str:fmt>", views_reports.report_download, name="report_download"),
]
