"""The community problem list (问题清单): items with a responsible person and a deadline, closed
only by a sign-off (责任销号) once the underlying request is dealt with."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.lookups import ancestor_paths
from linli.core.scoping import capabilities_at
from linli.people.models import Person, Position
from linli.places.models import Place, PlaceKind
from linli.tickets.models import ProblemItem, ProblemStatus, Status, Ticket

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _require(actor: Any, community: Place, caps: set[str], what: str) -> None:
    if not capabilities_at(actor, community.path) & caps:
        raise Forbidden(_("您没有%(what)s的权限") % {"what": what})


def problem_add(
    *,
    actor: Any,
    community_id: int,
    title: str,
    responsible_id: int,
    due_date: dt.date,
    ticket_id: int | None = None,
) -> ProblemItem:
    community = Place.objects.filter(pk=community_id, kind=PlaceKind.COMMUNITY).first()
    if community is None:
        raise NotFound(_("未找到该社区"))
    _require(actor, community, {"manage", "lead"}, _("登记问题清单"))
    title = (title or "").strip()
    ticket = None
    if ticket_id is not None:
        ticket = Ticket.objects.filter(pk=ticket_id, place_path__under=community.path).first()
        if ticket is None:
            raise InvalidInput(_("关联诉求不在该社区"), field="ticket_id")
        if ProblemItem.objects.filter(ticket=ticket).exists():
            raise Conflict(_("该诉求已在问题清单中"))
        title = title or ticket.title
    if not title or len(title) > 200:
        raise InvalidInput(_("问题名称应为 1 到 200 个字"), field="title")
    responsible = Person.objects.filter(pk=responsible_id).first()
    if responsible is None or not responsible_candidates(community).filter(person=responsible).exists():
        raise InvalidInput(_("请选择本社区在岗人员作为责任人"), field="responsible_id")
    if due_date < timezone.localdate():
        raise InvalidInput(_("完成时限不能早于今天"), field="due_date")
    with transaction.atomic():
        item = ProblemItem.objects.create(
            community=community,
            place_path=community.path,
            ticket=ticket,
            title=title,
            responsible=responsible,
            due_date=due_date,
            created_by=actor,
        )
        audit_record(action="problem.added", actor=actor, target=item)
    return item


def responsible_candidates(community: Place) -> QuerySet[Position]:
    """Who may answer for an item: current, non-volunteer positions in the community or above it."""
    prefixes = ancestor_paths(community.path, Place.steplen)
    return (
        Position.objects.filter(Q(place__path__under=community.path) | Q(place__path__in=prefixes))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=timezone.localdate()))
        .exclude(kind="volunteer")
        .select_related("person")
        .order_by("kind", "person__name")
    )


def community_of(ticket: Ticket) -> Place | None:
    return Place.objects.filter(path=ticket.place_path[: 3 * Place.steplen], kind=PlaceKind.COMMUNITY).first()


def may_list_problem(actor: Any, ticket: Ticket) -> bool:
    """Offer "add to problem list" on a request: overdue, escalated or supervised ones, not yet listed,
    to managers and leaders of its community."""
    if not (ticket.is_overdue or ticket.status == Status.ESCALATED or ticket.supervision_count):
        return False
    if ProblemItem.objects.filter(ticket=ticket).exists():
        return False
    return bool(capabilities_at(actor, ticket.place_path[: 3 * Place.steplen]) & {"manage", "lead"})


def problem_add_from_ticket(
    *, actor: Any, ticket_id: int, responsible_id: int, due_date: dt.date, title: str = ""
) -> ProblemItem:
    """List an overdue or escalated request on its community's problem list (问题清单)."""
    from linli.tickets.workflow import may_see

    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None or not may_see(actor, ticket):
        raise NotFound(_("未找到该诉求,或您无权查看"))
    if not (ticket.is_overdue or ticket.status == Status.ESCALATED or ticket.supervision_count):
        raise Conflict(_("只有超期、吹哨或被督办的诉求需要列入问题清单"))
    community = community_of(ticket)
    if community is None:
        raise Conflict(_("该诉求不在任何社区内"))
    return problem_add(
        actor=actor,
        community_id=community.pk,
        title=title,
        responsible_id=responsible_id,
        due_date=due_date,
        ticket_id=ticket.pk,
    )


def problem_sign_off(*, actor: Any, item_id: int, note: str) -> ProblemItem:
    """责任销号: a leader or manager of the community confirms it is done, with a note."""
    note = (note or "").strip()
    if not note:
        raise InvalidInput(_("请填写销号说明"), field="note")
    with transaction.atomic():
        item = (
            ProblemItem.objects.select_for_update(of=("self",))
            .select_related("community", "ticket")
            .filter(pk=item_id)
            .first()
        )
        if item is None or not capabilities_at(actor, item.place_path):
            raise NotFound(_("未找到该问题,或您无权查看"))
        _require(actor, item.community, {"manage", "lead"}, _("销号"))
        if item.status == ProblemStatus.SIGNED_OFF:
            raise Conflict(_("该问题已销号"))
        if item.ticket is not None and item.ticket.is_open:
            raise Conflict(_("关联诉求 %(number)s 尚未办结,不能销号") % {"number": item.ticket.number})
        item.status = ProblemStatus.SIGNED_OFF
        item.signed_off_by = actor
        item.signed_off_at = timezone.now()
        item.sign_off_note = note[:2000]
        item.save()
        audit_record(action="problem.signed_off", actor=actor, target=item)
    return item


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection: text starting with = + - @ is kept as text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
