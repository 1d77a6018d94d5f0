"""Meetings: plan, invite, agenda from topics, publish the agenda, QR sign-in, minutes,
decisions with a responsible party and deadline, carried out, evaluated ("两议两评两公开")."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from linli.audit.services import audit_record
from linli.core.dates import aware
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.lookups import ancestor_paths
from linli.core.text import clean_text
from linli.deliberation.models import (
    AgendaItem,
    Decision,
    DecisionEvaluation,
    DecisionStatus,
    Meeting,
    MeetingKind,
    MeetingParticipant,
    MeetingSignIn,
    MeetingStatus,
    Publication,
    PublicationKind,
    Topic,
    TopicStatus,
)
from linli.deliberation.permissions import require
from linli.deliberation.services_topics import lives_under
from linli.orgs.models import Organisation
from linli.people.models import Person, Position
from linli.places.models import Place, PlaceKind

NOT_YOURS = gettext_noop("您的岗位无权管理此会议")  # translated where raised: _(NOT_YOURS)


@transaction.atomic
def meeting_plan(*, actor: Any, place: Place, kind: str, title: str, location: str, starts_at: dt.datetime) -> Meeting:
    require(actor, place.path, "manage", _("您的岗位无权在此召集会议"))
    if kind not in MeetingKind.values:
        raise InvalidInput(_("会议类型无效"), field="kind")
    if kind == MeetingKind.OWNERS_COMMITTEE and place.kind != PlaceKind.COMPOUND:
        raise InvalidInput(_("业委会会议应在小区召开,请选择小区"), field="place_id")
    if kind == MeetingKind.FOUR_IN_ONE and place.kind not in (PlaceKind.COMMUNITY, PlaceKind.COMPOUND):
        raise InvalidInput(_("四位一体联席会议应在社区或小区召开"), field="place_id")
    meeting = Meeting.objects.create(
        place=place,
        place_path=place.path,
        kind=kind,
        title=clean_text(title, field="title", label=_("会议名称"), max_length=100),
        location=clean_text(location, field="location", label=_("会议地点"), max_length=200),
        starts_at=aware(starts_at),
        checkin_token=secrets.token_urlsafe(16)[:24],
        created_by=actor,
    )
    audit_record(action="meeting.planned", actor=actor, target=meeting, kind=kind)
    return meeting


@transaction.atomic
def meeting_invite(
    *,
    actor: Any,
    meeting: Meeting,
    person: Person | None = None,
    organisation: Organisation | None = None,
    role: str = "",
) -> MeetingParticipant:
    require(actor, meeting.place_path, "manage", _(NOT_YOURS))
    if (person is None) == (organisation is None):
        raise InvalidInput(_("请选择一位人员或一个组织"), field="person_id")
    try:
        with transaction.atomic():
            row = MeetingParticipant.objects.create(
                meeting=meeting,
                person=person,
                organisation=organisation,
                role=clean_text(role, field="role", label=_("角色"), max_length=32, required=False),
            )
    except IntegrityError:
        raise Conflict(_("已邀请过"), field="person_id") from None
    return row


@transaction.atomic
def agenda_add(*, actor: Any, meeting: Meeting, topic: Topic) -> AgendaItem:
    require(actor, meeting.place_path, "manage", _(NOT_YOURS))
    # The meeting's row, locked: its status and the next agenda position are read by one writer at a time.
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != MeetingStatus.PLANNED:
        raise Conflict(_("会议已召开,议程不能再改"))
    if not topic.place_path.startswith(meeting.place_path):
        raise InvalidInput(_("议题不在会议范围内"), field="topic_id")
    if topic.status == TopicStatus.CLOSED:
        raise Conflict(_("议题已关闭"), field="topic_id")
    position = (AgendaItem.objects.filter(meeting=meeting).aggregate(m=Max("position"))["m"] or 0) + 1
    try:
        with transaction.atomic():
            item = AgendaItem.objects.create(meeting=meeting, topic=topic, position=position)
    except IntegrityError:
        raise Conflict(_("该议题已在议程中"), field="topic_id") from None
    Topic.objects.filter(pk=topic.pk, status=TopicStatus.OPEN).update(status=TopicStatus.SCHEDULED)
    return item


def _publish(*, actor: Any, meeting: Meeting, kind: str, title: str, body: str, days: int) -> Publication:
    if not 1 <= days <= 60:
        raise InvalidInput(_("公示期应为 1 到 60 天"), field="days")
    now = timezone.now()
    publication = Publication.objects.create(
        place_id=meeting.place_id,
        place_path=meeting.place_path,
        kind=kind,
        title=title[:120],
        body=body,
        meeting=meeting,
        starts_at=now,
        ends_at=now + dt.timedelta(days=days),
        published_by=actor,
    )
    audit_record(action="publication.published", actor=actor, target=meeting, kind=kind, days=days)
    return publication


@transaction.atomic
def agenda_publish(*, actor: Any, meeting: Meeting, days: int = 7) -> Publication:
    """ "议前公开": the agenda is published to the residents of the scope before the meeting."""
    require(actor, meeting.place_path, "manage", _(NOT_YOURS))
    if Meeting.objects.get(pk=meeting.pk).status != MeetingStatus.PLANNED:
        raise Conflict(_("会议已召开,议程应在会前公开"))
    items = list(AgendaItem.objects.filter(meeting=meeting).select_related("topic"))
    if not items:
        raise InvalidInput(_("议程为空,请先加入议题"), field="agenda")
    when = timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M")
    body = "\n".join([f"时间:{when}", f"地点:{meeting.location}"] + [f"{i.position}. {i.topic.title}" for i in items])
    return _publish(
        actor=actor,
        meeting=meeting,
        kind=PublicationKind.AGENDA,
        title=f"议程公开:{meeting.title}",
        body=body,
        days=days,
    )


@transaction.atomic
def meeting_sign_in(*, actor: Any, meeting: Meeting, token: str) -> MeetingSignIn:
    """A participant scans the meeting's QR code (its token) and is signed in once."""
    person = getattr(actor, "person", None)
    if person is None:
        raise Forbidden(_("请先以本人身份登录"))
    # as bytes: compare_digest refuses a str with characters outside ASCII (a TypeError, a 500), and a QR code's
    # token is ASCII, so such a code is simply not it
    if not secrets.compare_digest(str(token or "").encode(), meeting.checkin_token.encode()):
        raise InvalidInput(_("签到码无效"), field="token")
    invited = MeetingParticipant.objects.filter(meeting=meeting, person=person).exists()
    if not invited and not lives_under(actor, meeting.place_path):
        raise Forbidden(_("您不是本次会议的参会人"))
    try:
        with transaction.atomic():
            return MeetingSignIn.objects.create(meeting=meeting, person=person)
    except IntegrityError:
        raise Conflict(_("您已签到")) from None


@transaction.atomic
def meeting_record_attendance(*, actor: Any, meeting: Meeting, person: Person) -> MeetingSignIn:
    """Staff record that someone was at the meeting who did not scan its code (the compound's branch secretary
    列席 the 业委会会议, an elderly owner without a phone). Once per person, like a scan; audited."""
    require(actor, meeting.place_path, "manage", _(NOT_YOURS))
    invited = MeetingParticipant.objects.filter(meeting=meeting, person=person).exists()
    if not invited and not person.place_path.startswith(meeting.place_path) and not _holds_post_at(person, meeting):
        raise InvalidInput(_("此人不是本次会议的参会人,也不在会议范围内"), field="person_id")
    try:
        with transaction.atomic():
            row = MeetingSignIn.objects.create(meeting=meeting, person=person, via_qr=False)
    except IntegrityError:
        raise Conflict(_("此人已签到"), field="person_id") from None
    audit_record(action="meeting.attendance_recorded", actor=actor, target=meeting, person=person.pk)
    return row


def _holds_post_at(person: Person, meeting: Meeting) -> bool:
    """A current position at the meeting's place or above it (the secretary may live elsewhere)."""
    above = ancestor_paths(meeting.place_path, Place.steplen)
    return Position.objects.filter(person=person, end_date__isnull=True, place__path__in=above).exists()


@transaction.atomic
def meeting_record_minutes(*, actor: Any, meeting: Meeting, minutes: str) -> Meeting:
    require(actor, meeting.place_path, "manage", _(NOT_YOURS))
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    meeting.minutes = clean_text(minutes, field="minutes", label=_("会议纪要"), max_length=20000)
    meeting.status = MeetingStatus.HELD
    meeting.save(update_fields=["minutes", "status"])
    audit_record(action="meeting.minutes_recorded", actor=actor, target=meeting)
    return meeting


@transaction.atomic
def decision_record(
    *,
    actor: Any,
    meeting: Meeting,
    text: str,
    deadline: dt.date,
    topic: Topic | None = None,
    responsible_org: Organisation | None = None,
    responsible_person: Person | None = None,
) -> Decision:
    require(actor, meeting.place_path, "manage", _(NOT_YOURS))
    if responsible_org is None and responsible_person is None:
        raise InvalidInput(_("请指定责任单位或责任人"), field="responsible_org_id")
    if topic is not None and not AgendaItem.objects.filter(meeting=meeting, topic=topic).exists():
        raise InvalidInput(_("该议题不在本次会议议程中"), field="topic_id")
    decision = Decision.objects.create(
        meeting=meeting,
        topic=topic,
        text=clean_text(text, field="text", label=_("决定内容"), max_length=5000),
        deadline=deadline,
        responsible_org=responsible_org,
        responsible_person=responsible_person,
    )
    if topic is not None:
        Topic.objects.filter(pk=topic.pk).exclude(status=TopicStatus.CLOSED).update(status=TopicStatus.DECIDED)
    audit_record(action="decision.recorded", actor=actor, target=meeting, decision=decision.pk)
    return decision


@transaction.atomic
def decision_edit(*, actor: Any, decision: Decision, text: str, deadline: dt.date) -> Decision:
    require(actor, decision.meeting.place_path, "manage", _(NOT_YOURS))
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.status != DecisionStatus.DRAFT:
        raise Conflict(_("决定已公开,不能修改"))
    decision.text = clean_text(text, field="text", label=_("决定内容"), max_length=5000)
    decision.deadline = deadline
    decision.save(update_fields=["text", "deadline"])
    return decision


@transaction.atomic
def results_publish(*, actor: Any, meeting: Meeting, days: int = 7) -> Publication:
    """ "议后公开": the meeting's decisions are published and can no longer be edited."""
    require(actor, meeting.place_path, "manage", _(NOT_YOURS))
    decisions = list(
        Decision.objects.filter(meeting=meeting, status=DecisionStatus.DRAFT).select_related(
            "responsible_org", "responsible_person"
        )
    )
    if not decisions:
        raise InvalidInput(_("没有待公开的决定"), field="decisions")
    body = "\n".join(
        f"{i}. {d.text}(责任方:{d.responsible_label},期限:{d.deadline:%Y-%m-%d})" for i, d in enumerate(decisions, 1)
    )
    Decision.objects.filter(pk__in=[d.pk for d in decisions]).update(status=DecisionStatus.PUBLISHED)
    return _publish(
        actor=actor,
        meeting=meeting,
        kind=PublicationKind.RESULT,
        title=f"结果公开:{meeting.title}",
        body=body,
        days=days,
    )


@transaction.atomic
def decision_complete(*, actor: Any, decision: Decision, note: str) -> Decision:
    require(actor, decision.meeting.place_path, "manage", _(NOT_YOURS))
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.status != DecisionStatus.PUBLISHED:
        raise Conflict(_("只有已公开、落实中的决定可以办结"))
    decision.status = DecisionStatus.DONE
    decision.done_at = timezone.now()
    decision.done_note = clean_text(note, field="note", label=_("落实情况"), max_length=2000)
    decision.save(update_fields=["status", "done_at", "done_note"])
    audit_record(action="decision.done", actor=actor, target=decision.meeting, decision=decision.pk)
    return decision


@transaction.atomic
def decision_evaluate(*, actor: Any, decision: Decision, score: int, comment: str = "") -> DecisionEvaluation:
    """ "两评": residents of the scope (and staff) rate how a completed decision was carried out."""
    path = decision.meeting.place_path
    if not lives_under(actor, path):
        require(actor, path, "manage", _("只有本范围的居民可以评议"))
    if decision.status != DecisionStatus.DONE:
        raise Conflict(_("决定落实后才能评议"))
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise InvalidInput(_("评分应为 1 到 5"), field="score")
    try:
        with transaction.atomic():
            return DecisionEvaluation.objects.create(
                decision=decision,
                evaluator=actor,
                score=score,
                comment=clean_text(comment, field="comment", label=_("评议意见"), max_length=1000, required=False),
            )
    except IntegrityError:
        raise Conflict(_("您已评议过")) from None
