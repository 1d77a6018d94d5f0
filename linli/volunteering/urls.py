from django.urls import path

from linli.volunteering import views_activities as va
from linli.volunteering import views_areas as vas
from linli.volunteering import views_covenants as vc
from linli.volunteering import views_org as vo
from linli.volunteering import views_points as vp
from linli.volunteering import views_reporting as vr
from linli.volunteering import views_wishes as vw

app_name = "volunteering"
urlpatterns = [
    path("", vo.index, name="index"),
    path("activities/", va.activity_list, name="activities"),
    path("activities/new/", va.activity_new, name="activity_new"),
    path("activities/<int:activity_id>/", va.activity_detail, name="activity"),
    path("activities/<int:activity_id>/signup/", va.activity_signup, name="activity_signup"),
    path("activities/<int:activity_id>/publish/", va.activity_publish, name="activity_publish"),
    path("activities/<int:activity_id>/scan/<str:token>/", va.scan, name="scan"),
    path("signups/<int:signup_id>/confirm/", va.signup_confirm, name="signup_confirm"),
    path("points/", vp.my_points, name="my_points"),
    path("people/<int:person_id>/", vp.person_page, name="person"),
    path("people/<int:person_id>/award/", vp.person_award, name="person_award"),
    path("rewards/", vp.rewards, name="rewards"),
    path("rewards/new/", vp.reward_new, name="reward_new"),
    path("rewards/<int:reward_id>/redeem/", vp.reward_redeem, name="reward_redeem"),
    path("redemptions/", vp.redemptions, name="redemptions"),
    path("redemptions/<int:redemption_id>/", vp.redemption_act, name="redemption_act"),
    path("leaderboards/", vp.leaderboards, name="leaderboards"),
    path("wishes/", vw.wish_list, name="wishes"),
    path("wishes/new/", vw.wish_new, name="wish_new"),
    path("wishes/stats/", vw.wish_stats, name="wish_stats"),
    path("wishes/<int:wish_id>/", vw.wish_detail, name="wish"),
    path("wishes/<int:wish_id>/act/", vw.wish_act, name="wish_act"),
    path("wishes/<int:wish_id>/photo", vw.wish_photo, name="wish_photo"),
    path("teams/", vo.teams, name="teams"),
    path("teams/members/add/", vo.team_member_add, name="team_member_add"),
    path("teams/<int:team_id>/", vc.team_detail, name="team"),
    path("teams/<int:team_id>/areas/", vas.team_areas, name="team_areas"),
    path("serving/", vas.serving, name="serving"),
    path("coverage/", vas.coverage, name="coverage"),
    path("covenants/", vc.covenant_list, name="covenants"),
    path("covenants/new/", vc.covenant_new, name="covenant_new"),
    path("covenants/<int:covenant_id>/", vc.covenant_detail, name="covenant"),
    path("covenants/<int:covenant_id>/amend/", vc.covenant_amend, name="covenant_amend"),
    path("covenants/<int:covenant_id>/terminate/", vc.covenant_terminate, name="covenant_terminate"),
    path("profile/", vo.profile, name="profile"),
    path("registrations/", vo.registrations, name="registrations"),
    path("registrations/submit/", vo.registration_submit, name="registration_submit"),
    path("registrations/<int:registration_id>/decide/", vo.registration_decide, name="registration_decide"),
    path("registrations/<int:registration_id>/report/", vo.registration_report, name="registration_report"),
    path("reporting/", vr.assessment, name="assessment"),
    path("reporting/export.xlsx", vr.assessment_export, name="assessment_export"),
    path("reporting/rules/<int:place_id>/", vr.rule, name="party_point_rule"),
    path("posts/", vo.posts, name="posts"),
    path("posts/<int:post_id>/claim/", vo.post_claim, name="post_claim"),
    path("stations/", vo.stations, name="stations"),
    path("stations/<int:station_id>/", vo.station_detail, name="station"),
    path("stations/<int:station_id>/edit/", vo.station_edit, name="station_edit"),
]
