"""“四员一律”进小区: police, judge, prosecutor, judicial-office officer and a lawyer answer residents.

A session is planned at a compound (or community), optionally at a 百姓评理说事点; afterwards it is
recorded as held, with who came, how many residents were consulted and a summary, or it is cancelled.
One function per state change, each audited. The transitions:

    planned → held        ``legal_session_hold``
    planned → cancelled   ``legal_session_cancel``

A second submit of the same change answers with the session as it is (no second audit row); any
other change from a held or cancelled session is refused (409). A consultation at a held session can
be taken in as a mediation case (through ``mediation_open``) or as a request (``ticket_submit``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from linli.audit.services import audit_record
from linli.core.errors import Conflict, InvalidInput
from linli.core.idempotency import clean_key, create_once
from linli.core.text import clean_text
from linli.deliberation.models import (
    IntakeKind,
    LegalIntake,
    LegalRole,
    LegalSession,
    LegalSessionAttendee,
    LegalSessionStatus,
    MediationCase,
    MediationVenue,
)
from linli.deliberation.permissions import require_any
from linli.deliberation.services_mediation import mediation_open
from linli.deliberation.services_venues import check_venue_for
from linli.people.models import Person
from linli.places.models import Place, PlaceKind
from linli.tickets.models import Source
from linli.tickets.services import ticket_submit

SESSION_PLACE_KINDS = {PlaceKind.COMMUNITY, PlaceKind.COMPOUND}
NOT_YOURS = gettext_noop("您的岗位无权安排或记录“四员一律”进小区活动")  # translated where raised
ORGANISE = {"handle", "manage"}
MAX_ATTENDEES = 30
MAX_CONSULTED = 100_000

# (from, to) → the service that does it; anything else is refused
TRANSITIONS = {
    (LegalSessionStatus.PLANNED, LegalSessionStatus.HELD): "legal_session_hold",
    (LegalSessionStatus.PLANNED, LegalSessionStatus.CANCELLED): "legal_session_cancel",
}


@dataclass(frozen=True)
class Attendee:
    role: str
    name: str
    unit: str = ""


def _attendees(rows: list[Attendee]) -> list[LegalSessionAttendee]:
    if len(rows) > MAX_ATTENDEES:
        raise InvalidInput(_("参加人员最多 30 人"), field="attendees")
    out = []
    for row in rows:
        if row.role not in LegalRole.values:
            raise InvalidInput(_("请选择参加人员的身份"), field="attendees")
        out.append(
            LegalSessionAttendee(
                role=row.role,
                name=clean_text(row.name, field="attendees", label=_("姓名"), max_length=32),
                unit=clean_text(row.unit, field="attendees", label=_("单位"), max_length=64, required=False),
            )
        )
    return out


def _locked(session: LegalSession) -> LegalSession:
    return LegalSession.objects.select_for_update().select_related("place").get(pk=session.pk)


def _refuse(session: LegalSession, target: str) -> None:
    if (session.status, target) not in TRANSITIONS:
        raise Conflict(
            _("活动状态为“%(status)s”,不能改为“%(target)s”")
            % {"status": session.get_status_display(), "target": LegalSessionStatus(target).label}
        )


@transaction.atomic
def legal_session_plan(
    *,
    actor: Any,
    place: Place,
    scheduled_on: dt.date,
    topics: str,
    venue: MediationVenue | None = None,
    attendees: list[Attendee] | None = None,
    idempotency_key: str = "",
) -> LegalSession:
    """Plan a session; ``attendees`` are the officers expected (recorded again when it is held)."""
    require_any(actor, place.path, ORGANISE, _(NOT_YOURS))
    key = clean_key(idempotency_key)
    if place.kind not in SESSION_PLACE_KINDS:
        raise InvalidInput(_("活动地点应为社区或小区"), field="place_id")
    check_venue_for(venue, place)
    topics = clean_text(topics, field="topics", label=_("咨询主题"), max_length=2000)
    rows = _attendees(list(attendees or []))

    def create() -> LegalSession:
        session = LegalSession.objects.create(
            place=place,
            place_path=place.path,
            venue=venue,
            scheduled_on=scheduled_on,
            topics=topics,
            created_by=actor,
            idempotency_key=key,
        )
        for row in rows:
            row.session = session
        LegalSessionAttendee.objects.bulk_create(rows)
        audit_record(action="legal_session.planned", actor=actor, target=session)
        return session

    session, _created = create_once(
        earlier=LegalSession.objects.filter(created_by=actor),
        key=key,
        create=create,
        same=lambda s: (s.place_id, s.scheduled_on, s.topics) == (place.pk, scheduled_on, topics),
        refusal=lambda s: _("这个 Idempotency-Key 已用于另一次活动,新的活动请换一个"),
    )
    return session


@transaction.atomic
def legal_session_hold(
    *,
    actor: Any,
    session: LegalSession,
    held_on: dt.date,
    residents_consulted: int,
    attendees: list[Attendee],
    summary: str = "",
) -> LegalSession:
    """Record a planned session as held (afterwards: not in the future, not before it was planned for),
    with the officers who came (at least one) and the number of residents who asked something."""
    require_any(actor, session.place_path, ORGANISE, _(NOT_YOURS))
    session = _locked(session)
    if session.status == LegalSessionStatus.HELD:
        return session  # the same form sent twice
    _refuse(session, LegalSessionStatus.HELD)
    if held_on > timezone.localdate():
        raise InvalidInput(_("开展日期不能晚于今天"), field="held_on")
    if held_on < session.scheduled_on - dt.timedelta(days=30):
        raise InvalidInput(_("开展日期与安排的日期相差过远"), field="held_on")
    if not isinstance(residents_consulted, int) or not 0 <= residents_consulted <= MAX_CONSULTED:
        raise InvalidInput(_("咨询群众人次应为 0 到 100000 之间的整数"), field="residents_consulted")
    rows = _attendees(attendees)
    if not rows:
        raise InvalidInput(_("请填写到场的“四员一律”人员"), field="attendees")
    session.attendees.all().delete()
    for row in rows:
        row.session = session
    LegalSessionAttendee.objects.bulk_create(rows)
    session.status = LegalSessionStatus.HELD
    session.held_on = held_on
    session.residents_consulted = residents_consulted
    session.summary = clean_text(summary, field="summary", label=_("活动情况"), max_length=5000, required=False)
    session.save(update_fields=["status", "held_on", "residents_consulted", "summary"])
    audit_record(
        action="legal_session.held",
        actor=actor,
        target=session,
        residents_consulted=residents_consulted,
        roles=sorted({r.role for r in rows}),
    )
    return session


@transaction.atomic
def legal_session_cancel(*, actor: Any, session: LegalSession, reason: str) -> LegalSession:
    require_any(actor, session.place_path, ORGANISE, _(NOT_YOURS))
    session = _locked(session)
    if session.status == LegalSessionStatus.CANCELLED:
        return session  # the same form sent twice
    _refuse(session, LegalSessionStatus.CANCELLED)
    session.status = LegalSessionStatus.CANCELLED
    session.cancel_reason = clean_text(reason, field="reason", label=_("取消原因"), max_length=200)
    session.save(update_fields=["status", "cancel_reason"])
    audit_record(action="legal_session.cancelled", actor=actor, target=session)
    return session


def _held(session: LegalSession) -> LegalSession:
    session = _locked(session)
    if session.status != LegalSessionStatus.HELD:
        raise Conflict(_("活动记录为已开展后,才能登记转办的事项"))
    return session


def _intake_once(
    *, actor: Any, session: LegalSession, kind: str, key: str, create: Callable[[], LegalIntake]
) -> LegalIntake:
    """Take a matter in once per key: a double submit answers with the first intake (and its case or request);
    the same key on another session or kind is a 409."""
    intake, _created = create_once(
        earlier=LegalIntake.objects.filter(created_by=actor),
        key=key,
        create=create,
        same=lambda i: (i.session_id, i.kind) == (session.pk, kind),
        refusal=lambda i: _("这个 Idempotency-Key 已用于另一次登记,新的登记请换一个"),
    )
    return intake


@transaction.atomic
def legal_intake_mediation(
    *,
    actor: Any,
    session: LegalSession,
    title: str,
    dispute: str,
    parties: list[str],
    mediator: Person,
    opened_on: dt.date,
    idempotency_key: str = "",
) -> LegalIntake:
    """A dispute heard at a held session becomes a mediation case (``mediation_open``, at the session's
    place and venue), linked back to the session."""
    require_any(actor, session.place_path, ORGANISE, _(NOT_YOURS))
    key = clean_key(idempotency_key)
    session = _held(session)
    if opened_on < (session.held_on or session.scheduled_on):
        raise InvalidInput(_("受理日期不能早于活动日期"), field="opened_on")
    venue = session.venue if session.venue_id and session.venue and session.venue.active else None

    def create() -> LegalIntake:
        case: MediationCase = mediation_open(
            actor=actor,
            place=session.place,
            title=title,
            dispute=dispute,
            parties=parties,
            mediator=mediator,
            opened_on=opened_on,
            venue=venue,
        )
        intake = LegalIntake.objects.create(
            session=session, kind=IntakeKind.MEDIATION, case=case, created_by=actor, idempotency_key=key
        )
        audit_record(
            action="legal_session.intake", actor=actor, target=session, kind=IntakeKind.MEDIATION, case=case.pk
        )
        return intake

    return _intake_once(actor=actor, session=session, kind=IntakeKind.MEDIATION, key=key, create=create)


@transaction.atomic
def legal_intake_request(
    *, actor: Any, session: LegalSession, description: str, title: str = "", idempotency_key: str = ""
) -> LegalIntake:
    """A matter heard at a held session becomes a request (诉求, source 会议收集) at the session's place."""
    require_any(actor, session.place_path, ORGANISE, _(NOT_YOURS))
    key = clean_key(idempotency_key)
    session = _held(session)

    def create() -> LegalIntake:
        ticket, _created = ticket_submit(
            actor=actor, description=description, title=title, place_id=session.place_id, source=Source.MEETING
        )
        intake = LegalIntake.objects.create(
            session=session, kind=IntakeKind.REQUEST, ticket=ticket, created_by=actor, idempotency_key=key
        )
        audit_record(action="legal_session.intake", actor=actor, target=session, kind=IntakeKind.REQUEST)
        return intake

    return _intake_once(actor=actor, session=session, kind=IntakeKind.REQUEST, key=key, create=create)
