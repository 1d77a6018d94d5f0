from django.urls import path

from linli.tickets import export, views_categories, views_detail, views_problems, views_resident, views_staff

app_name = "tickets"
urlpatterns = [
    path("new/", views_resident.new, name="new"),
    path("mine/", views_resident.mine, name="mine"),
    path("<int:ticket_id>/", views_detail.detail, name="detail"),
    path("<int:ticket_id>/act/", views_detail.act, name="act"),
    path("<int:ticket_id>/problem/", views_problems.from_ticket, name="problem_from_ticket"),
    path("photos/<int:photo_id>", views_detail.photo, name="photo"),
    path("", views_staff.workbench, name="workbench"),
    path("bulk/", views_staff.bulk, name="bulk"),
    path("entry/", views_staff.entry, name="entry"),
    path("board/", views_staff.board, name="board"),
    path("metrics/", views_staff.metrics, name="metrics"),
    path("categories/", views_categories.categories, name="categories"),
    path("categories/<int:category_id>/", views_categories.category_edit, name="category_edit"),
    path("export.csv", export.requests_csv, name="export"),
    path("problems/", views_problems.problems, name="problems"),
    path("problems/export.xlsx", views_problems.export, name="problems_export"),
    path("problems/<int:item_id>/sign-off/", views_problems.sign_off, name="problem_sign_off"),
]
