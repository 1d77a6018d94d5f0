from django.urls import path

from linli.deliberation import views_home, views_mediation, views_meetings, views_topics, views_votes

app_name = "deliberation"
urlpatterns = [
    path("", views_home.home, name="home"),
    path("publications/<int:publication_id>/", views_home.publication, name="publication"),
    path("votes/", views_votes.vote_list, name="votes"),
    path("votes/new/", views_votes.vote_new, name="vote_new"),
    path("votes/<int:vote_id>/", views_votes.vote_detail, name="vote"),
    path("votes/<int:vote_id>/open/", views_votes.vote_open_view, name="vote_open"),
    path("votes/<int:vote_id>/cast/", views_votes.vote_cast_view, name="vote_cast"),
    path("votes/<int:vote_id>/paper/", views_votes.vote_paper_view, name="vote_paper"),
    path("votes/<int:vote_id>/close/", views_votes.vote_close_view, name="vote_close"),
    path("votes/<int:vote_id>/proxies/", views_votes.proxy_register_view, name="vote_proxy_register"),
    path(
        "votes/<int:vote_id>/proxies/<int:registration_id>/withdraw/",
        views_votes.proxy_withdraw_view,
        name="vote_proxy_withdraw",
    ),
    path("topics/", views_topics.topic_list, name="topics"),
    path("topics/new/", views_topics.topic_new, name="topic_new"),
    path("topics/<int:topic_id>/", views_topics.topic_detail, name="topic"),
    path("topics/<int:topic_id>/comment/", views_topics.topic_comment_view, name="topic_comment"),
    path("topics/<int:topic_id>/comments/<int:comment_id>/hide/", views_topics.comment_hide_view, name="comment_hide"),
    path("topics/<int:topic_id>/escalate/", views_topics.topic_escalate_view, name="topic_escalate"),
    path("topics/<int:topic_id>/close/", views_topics.topic_close_view, name="topic_close"),
    path("meetings/", views_meetings.meeting_list, name="meetings"),
    path("meetings/new/", views_meetings.meeting_new, name="meeting_new"),
    path("meetings/<int:meeting_id>/", views_meetings.meeting_detail, name="meeting"),
    path("meetings/<int:meeting_id>/sign-in/", views_meetings.meeting_sign_in_view, name="meeting_sign_in"),
    path("meetings/<int:meeting_id>/<slug:action>/", views_meetings.meeting_action, name="meeting_action"),
    path(
        "meetings/<int:meeting_id>/decisions/<int:decision_id>/<slug:action>/",
        views_meetings.decision_action,
        name="decision_action",
    ),
    path("mediation/", views_mediation.case_list, name="cases"),
    path("mediation/new/", views_mediation.case_new, name="case_new"),
    path("mediation/rates/", views_mediation.rates, name="rates"),
    path("mediation/<int:case_id>/", views_mediation.case_detail, name="case"),
    path("mediation/<int:case_id>/<slug:action>/", views_mediation.case_action, name="case_action"),
]
