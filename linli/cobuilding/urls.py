from django.urls import path

from linli.cobuilding import views_charters as vc
from linli.cobuilding import views_grid_staff as vg
from linli.cobuilding import views_overview as vo
from linli.cobuilding import views_partners as vp
from linli.cobuilding import views_property as vpr

app_name = "cobuilding"
urlpatterns = [
    path("", vp.home, name="home"),
    path("mine/", vp.mine, name="mine"),
    path("overview/", vo.overview, name="overview"),
    path("property/", vpr.property_home, name="property"),
    path("property/companies/<int:company_id>/credit/", vpr.credit, name="credit"),
    path("property/contracts/<int:contract_id>/", vpr.contract_detail, name="contract"),
    path("committees/", vpr.committees, name="committees"),
    path("grid-staff/", vg.grid_staff, name="grid_staff"),
    path("grid-staff/register/", vg.grid_staff_register, name="grid_staff_register"),
    path("grid-staff/<int:staff_id>/end/", vg.grid_staff_end, name="grid_staff_end"),
    path("charters/", vc.charters, name="charters"),
    path("charters/new/", vc.charter_new, name="charter_new"),
    path("charters/<int:charter_id>/", vc.charter_detail, name="charter"),
    path("charters/<int:charter_id>/repeal/", vc.charter_repeal, name="charter_repeal"),
    path("charters/<int:charter_id>/document", vc.charter_document, name="charter_document"),
    path("ratings/", vpr.ratings, name="ratings"),
    path("ratings/<int:rating_id>/", vpr.rating_detail, name="rating"),
    path("ratings/<int:rating_id>/answer/", vpr.rating_body, name="rating_body"),
    path("ratings/<int:rating_id>/close/", vpr.rating_close_view, name="rating_close"),
    path("ratings/<int:rating_id>/list/", vpr.rating_list_decide, name="rating_list"),
    path("survey/<str:token>/", vpr.survey, name="survey"),
    path("lists/", vpr.lists, name="lists"),
    path("lists/<int:entry_id>/revoke/", vpr.list_revoke_view, name="list_revoke"),
    path("resources/", vp.resources, name="resources"),
    path("resources/<int:resource_id>/", vp.resource_detail, name="resource"),
    path("needs/", vp.needs, name="needs"),
    path("needs/<int:need_id>/", vp.need_detail, name="need"),
    path("needs/<int:need_id>/<slug:action>/", vp.need_action, name="need_action"),
    path("projects/", vp.projects, name="projects"),
    path("projects/<int:project_id>/", vp.project_detail, name="project"),
    path("project-photos/<int:photo_id>", vp.project_photo, name="project_photo"),
    path("projects/<int:project_id>/<slug:action>/", vp.project_action, name="project_action"),
    path("funds/", vp.funds, name="funds"),
    path("funds/<int:fund_id>/", vp.fund_detail, name="fund"),
    path("funds/<int:fund_id>/<slug:action>/", vp.fund_action, name="fund_action"),
    path("partners/", vp.partners, name="partners"),
    path("partners/<int:org_id>/profile/", vp.partner_profile, name="partner_profile"),
]
