"""Deliberation API: topics and discussion, meetings and decisions, mediation cases and rates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.errors import NotFound
from linli.core.pagination import keyset_page
from linli.core.schemas import Day, ErrorOut, Moment, PageQuery
from linli.deliberation.models import (
    Decision,
    DecisionStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Topic,
    TopicLevel,
    TopicSource,
    TopicStatus,
)
from linli.deliberation.selectors import (
    access_comment,
    access_meeting,
    access_topic,
    topic_comments,
    visible_meetings,
    visible_topics,
)
from linli.deliberation.selectors_oversight import CompoundOversight, committee_oversight
from linli.deliberation.services_meetings import (
    agenda_add,
    agenda_publish,
    decision_complete,
    decision_edit,
    decision_evaluate,
    decision_record,
    meeting_invite,
    meeting_plan,
    meeting_record_attendance,
    meeting_record_minutes,
    meeting_sign_in,
    results_publish,
)
from linli.deliberation.services_topics import comment_hide, topic_close, topic_comment, topic_escalate, topic_raise
from linli.orgs.models import Organisation
from linli.people.models import Person
from linli.places.models import Place
from linli.tickets.selectors import access_ticket

router = Router(tags=["deliberation"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _place(pk: int) -> Place:
    try:
        return Place.objects.get(pk=pk)
    except Place.DoesNotExist:
        raise NotFound(_("未找到该地点"), field="place_id") from None


def _person(user: Any, pk: int | None, field: str) -> Person | None:
    if pk is None:
        return None
    person = Person.objects.visible_to(user).filter(pk=pk).first()
    if person is None:
        raise NotFound(_("未找到该人员,或您无权查看"), field=field)
    return person


def _org(pk: int | None) -> Organisation | None:
    if pk is None:
        return None
    org = Organisation.objects.filter(pk=pk).first()
    if org is None:
        raise NotFound(_("未找到该组织"), field="responsible_org_id")
    return org


def _decision(user: Any, pk: int) -> Decision:
    decision = Decision.objects.select_related("meeting").filter(pk=pk).first()
    if decision is None:
        raise NotFound(_("未找到该决定,或您无权查看"))
    access_meeting(user, decision.meeting_id)
    return decision


class TopicIn(Schema):
    place_id: int
    title: str = Field(..., max_length=100)
    body: str = Field("", max_length=5000)
    ticket_id: int | None = None


class TopicOut(Schema):
    id: int
    place_id: int
    title: str
    body: str
    source: TopicSource
    level: TopicLevel
    status: TopicStatus
    ticket_id: int | None
    created_at: dt.datetime


class TopicListOut(Schema):
    items: list[TopicOut]
    next: str | None


class DeliberationCommentIn(Schema):
    body: str = Field(..., max_length=2000)


class DeliberationCommentOut(Schema):
    id: int
    author_name: str
    body: str
    hidden: bool
    created_at: dt.datetime


class MeetingIn(Schema):
    place_id: int
    kind: MeetingKind
    title: str = Field(..., max_length=100)
    location: str = Field(..., max_length=200)
    starts_at: Moment


class MeetingOut(Schema):
    id: int
    place_id: int
    kind: MeetingKind
    title: str
    location: str
    starts_at: dt.datetime
    status: MeetingStatus
    agenda: list[int]


class MeetingListOut(Schema):
    items: list[MeetingOut]
    next: str | None


class DeliberationAgendaIn(Schema):
    topic_id: int


class DeliberationPublishIn(Schema):
    days: int = Field(7, ge=1, le=60)


class DeliberationSignInIn(Schema):
    token: str = Field(..., max_length=64)


class DeliberationAttendanceIn(Schema):
    person_id: int = Field(
        ..., description="invited, living under the meeting's place, or holding a post there or above"
    )


class DeliberationOversightQuery(Schema):
    node: int
    start: Day
    end: Day


class DeliberationCompoundOversightOut(Schema):
    compound_id: int
    name: str
    has_committee: bool = Field(..., description="an owners' committee (业委会) is registered at the compound")
    held: int = Field(..., description="业委会会议 held (minutes recorded) starting in the period")
    attended: int = Field(..., description="of those, attended by the compound's party-branch secretary (列席)")
    attendance_rate: float | None = Field(..., description="attended ÷ held, percent; null when none was held")
    topics: int = Field(..., description="agenda topics of those meetings")
    prediscussed: int = Field(..., description="of those, on the agenda of a 支部先议 meeting held before")
    prediscussion_rate: float | None


class DeliberationOversightOut(Schema):
    node_id: int
    start: dt.date
    end: dt.date
    total: DeliberationCompoundOversightOut
    committees_without_meeting: int
    compounds: list[DeliberationCompoundOversightOut]


class DeliberationDecisionIn(Schema):
    text: str = Field(..., max_length=5000)
    deadline: Day
    topic_id: int | None = None
    responsible_org_id: int | None = None
    responsible_person_id: int | None = None


class DeliberationDecisionOut(Schema):
    id: int
    meeting_id: int
    text: str
    deadline: dt.date
    status: DecisionStatus
    responsible: str


class DeliberationInviteIn(Schema):
    person_id: int | None = None
    organisation_id: int | None = None
    role: str = Field("", max_length=32)


class DeliberationDecisionEditIn(Schema):
    text: str = Field(..., max_length=5000)
    deadline: Day


class DeliberationCompleteIn(Schema):
    note: str = Field(..., max_length=2000)


class DeliberationEvaluateIn(Schema):
    score: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=1000)


def topic_out(t: Topic) -> TopicOut:
    return TopicOut(
        id=t.pk,
        place_id=t.place_id,
        title=t.title,
        body=t.body,
        source=TopicSource(t.source),
        level=TopicLevel(t.level),
        status=TopicStatus(t.status),
        ticket_id=t.ticket_id,
        created_at=t.created_at,
    )


def meeting_out(m: Meeting) -> MeetingOut:
    return MeetingOut(
        id=m.pk,
        place_id=m.place_id,
        kind=MeetingKind(m.kind),
        title=m.title,
        location=m.location,
        starts_at=m.starts_at,
        status=MeetingStatus(m.status),
        agenda=[a.topic_id for a in m.agenda.all()],
    )


def decision_out(d: Decision) -> DeliberationDecisionOut:
    return DeliberationDecisionOut(
        id=d.pk,
        meeting_id=d.meeting_id,
        text=d.text,
        deadline=d.deadline,
        status=DecisionStatus(d.status),
        responsible=d.responsible_label,
    )


# ----------------------------------------------------------------------------- topics


@router.get("/topics", response={200: TopicListOut, 422: ErrorOut}, operation_id="deliberation_topics_list")
def topics_list(request: HttpRequest, page: Query[PageQuery]) -> TopicListOut:
    result = keyset_page(visible_topics(request.user), key="id", cursor=page.cursor, limit=page.limit, descending=True)
    return TopicListOut(items=[topic_out(t) for t in result.items], next=result.next)


@router.post(
    "/topics",
    response={201: TopicOut, **ERRORS},
    operation_id="deliberation_topics_create",
    summary="Raise a topic; retries with the same Idempotency-Key return the first topic",
)
def topics_create(request: HttpRequest, payload: TopicIn) -> Status[TopicOut]:
    ticket = access_ticket(request.user, payload.ticket_id) if payload.ticket_id else None
    topic = topic_raise(
        actor=request.user,
        place=_place(payload.place_id),
        title=payload.title,
        body=payload.body,
        ticket=ticket,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201, topic_out(topic))


@router.get("/topics/{topic_id}", response={200: TopicOut, 404: ErrorOut}, operation_id="deliberation_topics_read")
def topics_read(request: HttpRequest, topic_id: int) -> TopicOut:
    return topic_out(access_topic(request.user, topic_id))


@router.get(
    "/topics/{topic_id}/comments",
    response={200: list[DeliberationCommentOut], 404: ErrorOut},
    operation_id="deliberation_comments_list",
)
def comments_list(request: HttpRequest, topic_id: int) -> list[DeliberationCommentOut]:
    topic = access_topic(request.user, topic_id)
    return [
        DeliberationCommentOut(
            id=c.pk, author_name=c.author_name, body=c.body, hidden=c.hidden, created_at=c.created_at
        )
        for c in topic_comments(request.user, topic)
    ]


@router.post(
    "/topics/{topic_id}/comments",
    response={201: DeliberationCommentOut, **ERRORS},
    operation_id="deliberation_comments_create",
)
def comments_create(
    request: HttpRequest, topic_id: int, payload: DeliberationCommentIn
) -> Status[DeliberationCommentOut]:
    c = topic_comment(actor=request.user, topic=access_topic(request.user, topic_id), body=payload.body)
    return Status(
        201,
        DeliberationCommentOut(
            id=c.pk, author_name=c.author_name, body=c.body, hidden=c.hidden, created_at=c.created_at
        ),
    )


@router.post(
    "/topics/{topic_id}/escalate", response={200: TopicOut, **ERRORS}, operation_id="deliberation_topics_escalate"
)
def topics_escalate(request: HttpRequest, topic_id: int) -> TopicOut:
    return topic_out(topic_escalate(actor=request.user, topic=access_topic(request.user, topic_id)))


class CommentHideIn(Schema):
    reason: str = Field(..., max_length=200, description="why the post is hidden (kept with it and in the audit log)")


@router.post(
    "/topics/{topic_id}/comments/{comment_id}/hide",
    response={200: DeliberationCommentOut, **ERRORS},
    operation_id="deliberation_comments_hide",
    summary="Moderation: hide a post with a reason (managers of the topic's node); a second hide is 409",
)
def comments_hide(
    request: HttpRequest, topic_id: int, comment_id: int, payload: CommentHideIn
) -> DeliberationCommentOut:
    topic = access_topic(request.user, topic_id)
    c = comment_hide(actor=request.user, comment=access_comment(request.user, topic, comment_id), reason=payload.reason)
    return DeliberationCommentOut(
        id=c.pk, author_name=c.author_name, body=c.body, hidden=c.hidden, created_at=c.created_at
    )


@router.post("/topics/{topic_id}/close", response={200: TopicOut, **ERRORS}, operation_id="deliberation_topics_close")
def topics_close(request: HttpRequest, topic_id: int) -> TopicOut:
    """Close the discussion (managers of the topic's node); closing a closed topic is 409."""
    return topic_out(topic_close(actor=request.user, topic=access_topic(request.user, topic_id)))


# ----------------------------------------------------------------------------- meetings


@router.get("/meetings", response={200: MeetingListOut, 422: ErrorOut}, operation_id="deliberation_meetings_list")
def meetings_list(request: HttpRequest, page: Query[PageQuery]) -> MeetingListOut:
    qs = visible_meetings(request.user).prefetch_related("agenda")
    result = keyset_page(qs, key="id", cursor=page.cursor, limit=page.limit, descending=True)
    return MeetingListOut(items=[meeting_out(m) for m in result.items], next=result.next)


@router.post("/meetings", response={201: MeetingOut, **ERRORS}, operation_id="deliberation_meetings_create")
def meetings_create(request: HttpRequest, payload: MeetingIn) -> Status[MeetingOut]:
    meeting = meeting_plan(
        actor=request.user,
        place=_place(payload.place_id),
        kind=payload.kind,
        title=payload.title,
        location=payload.location,
        starts_at=payload.starts_at,
    )
    return Status(201, meeting_out(meeting))


@router.get(
    "/meetings/{meeting_id}", response={200: MeetingOut, 404: ErrorOut}, operation_id="deliberation_meetings_read"
)
def meetings_read(request: HttpRequest, meeting_id: int) -> MeetingOut:
    return meeting_out(access_meeting(request.user, meeting_id))


@router.post(
    "/meetings/{meeting_id}/agenda", response={200: MeetingOut, **ERRORS}, operation_id="deliberation_agenda_add"
)
def meetings_agenda_add(request: HttpRequest, meeting_id: int, payload: DeliberationAgendaIn) -> MeetingOut:
    meeting = access_meeting(request.user, meeting_id)
    agenda_add(actor=request.user, meeting=meeting, topic=access_topic(request.user, payload.topic_id))
    return meeting_out(meeting)


@router.post(
    "/meetings/{meeting_id}/publish-agenda",
    response={200: MeetingOut, **ERRORS},
    operation_id="deliberation_agenda_publish",
)
def meetings_agenda_publish(request: HttpRequest, meeting_id: int, payload: DeliberationPublishIn) -> MeetingOut:
    meeting = access_meeting(request.user, meeting_id)
    agenda_publish(actor=request.user, meeting=meeting, days=payload.days)
    return meeting_out(meeting)


class DeliberationMinutesIn(Schema):
    minutes: str = Field(..., description="会议纪要, 1–20000 characters; recording them marks the meeting held")


@router.post(
    "/meetings/{meeting_id}/minutes",
    response={200: MeetingOut, **ERRORS},
    operation_id="deliberation_meetings_minutes",
    summary="Record (or correct) the minutes; the meeting is then held (managers of its node)",
)
def meetings_minutes(request: HttpRequest, meeting_id: int, payload: DeliberationMinutesIn) -> MeetingOut:
    meeting = access_meeting(request.user, meeting_id)
    return meeting_out(meeting_record_minutes(actor=request.user, meeting=meeting, minutes=payload.minutes))


@router.post(
    "/meetings/{meeting_id}/publish-results",
    response={200: MeetingOut, **ERRORS},
    operation_id="deliberation_results_publish",
    summary="议后公开: publish the draft decisions (then no longer editable); 422 when none is left to publish",
)
def meetings_results_publish(request: HttpRequest, meeting_id: int, payload: DeliberationPublishIn) -> MeetingOut:
    meeting = access_meeting(request.user, meeting_id)
    results_publish(actor=request.user, meeting=meeting, days=payload.days)
    return meeting_out(meeting)


@router.post(
    "/meetings/{meeting_id}/sign-in", response={200: MeetingOut, **ERRORS}, operation_id="deliberation_sign_in"
)
def meetings_sign_in(request: HttpRequest, meeting_id: int, payload: DeliberationSignInIn) -> MeetingOut:
    meeting = access_meeting(request.user, meeting_id)
    meeting_sign_in(actor=request.user, meeting=meeting, token=payload.token)
    return meeting_out(meeting)


@router.post(
    "/meetings/{meeting_id}/attendance",
    response={200: MeetingOut, **ERRORS},
    operation_id="deliberation_meetings_attendance",
    summary="Staff record someone at the meeting who did not scan its code (the branch secretary 列席); once each",
)
def meetings_attendance(request: HttpRequest, meeting_id: int, payload: DeliberationAttendanceIn) -> MeetingOut:
    meeting = access_meeting(request.user, meeting_id)
    person = _person(request.user, payload.person_id, "person_id")
    assert person is not None
    meeting_record_attendance(actor=request.user, meeting=meeting, person=person)
    return meeting_out(meeting)


def _oversight_out(c: CompoundOversight) -> DeliberationCompoundOversightOut:
    return DeliberationCompoundOversightOut(
        compound_id=c.compound_id, name=c.name, has_committee=c.has_committee, held=c.held, attended=c.attended,
        attendance_rate=c.attendance_rate, topics=c.topics, prediscussed=c.prediscussed,
        prediscussion_rate=c.prediscussion_rate,
    )  # fmt: skip


@router.get(
    "/committee-oversight",
    response={200: DeliberationOversightOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="deliberation_committee_oversight",
    summary="业委会会议监督 under a node: meetings held, 书记列席 and 支部先议 by compound",
)
def committee_oversight_api(request: HttpRequest, q: Query[DeliberationOversightQuery]) -> DeliberationOversightOut:
    o = committee_oversight(request.user, node=_place(q.node), start=q.start, end=q.end)
    assert o.total is not None
    return DeliberationOversightOut(
        node_id=o.node.pk, start=o.start, end=o.end, total=_oversight_out(o.total),
        committees_without_meeting=o.committees_without_meeting, compounds=[_oversight_out(c) for c in o.compounds],
    )  # fmt: skip


@router.post(
    "/meetings/{meeting_id}/participants", response={200: MeetingOut, **ERRORS}, operation_id="deliberation_invite"
)
def meetings_invite(request: HttpRequest, meeting_id: int, payload: DeliberationInviteIn) -> MeetingOut:
    """Invite a person (from the ledger in your scope) or an organisation (业委会, 物业, 共建单位, 职能部门 …)."""
    meeting = access_meeting(request.user, meeting_id)
    org = None
    if payload.organisation_id is not None:
        org = Organisation.objects.filter(pk=payload.organisation_id).first()
        if org is None:
            raise NotFound(_("未找到该组织"), field="organisation_id")
    meeting_invite(
        actor=request.user,
        meeting=meeting,
        person=_person(request.user, payload.person_id, "person_id"),
        organisation=org,
        role=payload.role,
    )
    return meeting_out(meeting)


@router.post(
    "/meetings/{meeting_id}/decisions",
    response={201: DeliberationDecisionOut, **ERRORS},
    operation_id="deliberation_decisions_create",
)
def decisions_create(
    request: HttpRequest, meeting_id: int, payload: DeliberationDecisionIn
) -> Status[DeliberationDecisionOut]:
    meeting = access_meeting(request.user, meeting_id)
    decision = decision_record(
        actor=request.user,
        meeting=meeting,
        text=payload.text,
        deadline=payload.deadline,
        topic=access_topic(request.user, payload.topic_id) if payload.topic_id else None,
        responsible_org=_org(payload.responsible_org_id),
        responsible_person=_person(request.user, payload.responsible_person_id, "responsible_person_id"),
    )
    return Status(201, decision_out(decision))


@router.put(
    "/decisions/{decision_id}",
    response={200: DeliberationDecisionOut, **ERRORS},
    operation_id="deliberation_decisions_edit",
)
def decisions_edit(
    request: HttpRequest, decision_id: int, payload: DeliberationDecisionEditIn
) -> DeliberationDecisionOut:
    """Only a draft decision can be edited; once published (议后公开) it is refused with 409."""
    decision = decision_edit(
        actor=request.user, decision=_decision(request.user, decision_id), text=payload.text, deadline=payload.deadline
    )
    return decision_out(decision)


@router.post(
    "/decisions/{decision_id}/complete",
    response={200: DeliberationDecisionOut, **ERRORS},
    operation_id="deliberation_decisions_complete",
)
def decisions_complete(
    request: HttpRequest, decision_id: int, payload: DeliberationCompleteIn
) -> DeliberationDecisionOut:
    return decision_out(
        decision_complete(actor=request.user, decision=_decision(request.user, decision_id), note=payload.note)
    )


@router.post(
    "/decisions/{decision_id}/evaluations",
    response={201: None, **ERRORS},
    operation_id="deliberation_decisions_evaluate",
)
def decisions_evaluate(request: HttpRequest, decision_id: int, payload: DeliberationEvaluateIn) -> Status[None]:
    decision_evaluate(
        actor=request.user, decision=_decision(request.user, decision_id), score=payload.score, comment=payload.comment
    )
    return Status(201, None)
