from django.urls import path

from linli.venues import views, views_manage

app_name = "venues"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("approvals/", views_manage.approvals, name="approvals"),
    path("new/", views_manage.venue_new, name="new"),
    path("<int:venue_id>/", views.venue, name="venue"),
    path("<int:venue_id>/book/", views.book, name="book"),
    path("<int:venue_id>/edit/", views_manage.venue_edit, name="edit"),
    path("<int:venue_id>/week/", views_manage.week, name="week"),
    path("bookings/<int:booking_id>/", views.booking, name="booking"),
]
