from django.urls import path

from linli.people import views_edit, views_forces, views_import, views_ledger, views_resident

app_name = "people"
urlpatterns = [
    path("", views_ledger.ledger_list, name="list"),
    path("export.xlsx", views_ledger.ledger_export_view, name="export"),
    path("people/<int:person_id>/", views_ledger.person_page, name="person"),
    path("people/<int:person_id>/reveal", views_ledger.person_reveal_view, name="reveal"),
    path("people/<int:person_id>/edit", views_edit.person_edit, name="edit"),
    path("people/<int:person_id>/phones", views_edit.phone_add_view, name="phone_add"),
    path("people/<int:person_id>/phones/<int:phone_id>/remove", views_edit.phone_remove_view, name="phone_remove"),
    path("people/<int:person_id>/tags", views_edit.tag_view, name="tag"),
    path("people/<int:person_id>/move-out", views_edit.move_out_view, name="move_out"),
    path("people/<int:person_id>/move-in", views_edit.move_in_view, name="move_in"),
    path("people/<int:person_id>/ownerships", views_edit.ownership_view, name="ownership"),
    path(
        "people/<int:person_id>/ownerships/<int:ownership_id>/end", views_edit.ownership_end_view, name="ownership_end"
    ),
    path("people/<int:person_id>/everything", views_ledger.person_subject_export, name="subject_export"),
    path("households/<int:household_id>/", views_ledger.household_page, name="household"),
    path("corrections/", views_ledger.corrections_page, name="corrections"),
    path("corrections/<int:correction_id>/resolve", views_ledger.correction_resolve_view, name="correction_resolve"),
    path("import/", views_import.import_upload, name="import"),
    path("import/template.xlsx", views_import.import_template, name="import_template"),
    path("import/<int:batch_id>/", views_import.import_preview_page, name="import_preview"),
    path("import/<int:batch_id>/commit", views_import.import_commit_view, name="import_commit"),
    path("me/", views_resident.my_record, name="my_record"),
    path("forces/", views_forces.forces, name="forces"),
    path("forces/appoint", views_forces.appoint, name="position_appoint"),
    path("forces/positions/<int:position_id>/end", views_forces.end, name="position_end"),
]
