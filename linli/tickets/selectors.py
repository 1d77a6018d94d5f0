"""Reads of requests: scoped lists with filters, one request, its timeline, the order board."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from linli.accounts.roles import is_staff_like
from linli.core.errors import Forbidden, InvalidInput, NotFound
from linli.core.pagination import Page, keyset_keys
from linli.core.scoping import active_position_places, get_or_not_found, scope_for, scope_for_any
from linli.insights.periods import Period, period_bounds
from linli.people.models import CareTag, PersonTag
from linli.people.selectors import visible_care_tags
from linli.places.models import STREET_PATH_LENGTH, Place, in_street
from linli.tickets.models import (
    OPEN_STATUSES,
    STAFF_CAPABILITIES,
    Source,
    Status,
    Ticket,
    TicketEvent,
)
from linli.tickets.workflow import SEES_REPORTER, claim_roots, may_see, relations

RELATED_DAYS = 90
LIST_RELATED = ("category__parent__parent", "place", "handling_place", "handling_org")
# The master of a merged request is fetched in a second query (only when the page has merged ones):
# joining the ticket table to itself as well made PostgreSQL plan each list query for ~6 ms instead
# of ~1 ms — more than the query ran (docs/scaling.md).
LIST_PREFETCH = ("merged_into",)


def listed(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """``qs`` with what a list shows of each request read alongside."""
    return qs.select_related(*LIST_RELATED).prefetch_related(*LIST_PREFETCH)


def visible_tickets(user: Any) -> QuerySet[Ticket]:
    return listed(Ticket.objects.visible_to(user))


def access_ticket(user: Any, pk: Any) -> Ticket:
    """One request the user may see (scope, own, or the public order board), else ``NotFound``."""
    ticket = get_or_not_found(
        Ticket.objects.select_related(*LIST_RELATED, "submitted_by", "claimed_by", "first_unit"),
        pk,
        message=_("未找到该诉求,或您无权查看"),
    )
    if not may_see(user, ticket):
        raise NotFound(_("未找到该诉求,或您无权查看"))
    return ticket


@dataclass
class TicketFilters:
    status: str | None = None
    category_id: int | None = None
    source: str | None = None
    overdue: bool | None = None
    place_id: int | None = None
    mine: bool = False
    queue: str | None = None  # "mine" (my queue), "unit" (my unit), None (my whole subtree)
    q: str | None = None
    care_tag: int | None = None


def care_tags_for_filter(user: Any) -> list[CareTag]:
    """The care tags the workbench offers as a filter.

    A tag filter tells who carries the tag, so it reveals no more than the ledger would: nothing
    without the ``ledger`` capability, sensitive tags only with ``sensitive``.
    """
    if scope_for(user, "ledger").empty:
        return []
    return visible_care_tags(user)


def care_tag_condition(user: Any, tag_id: int) -> Q:
    """Requests whose submitter, or someone in the submitter's household, carries the tag.

    Only carriers whose address lies where the user may see the tag count (``sensitive`` scope for
    sensitive tags, ``ledger`` scope for the others), exactly as in the ledger; with no such scope
    the filter is refused rather than answered.
    """
    tag = CareTag.objects.filter(pk=tag_id, active=True).first()
    if tag is None:
        raise InvalidInput(_("所选关怀标签不存在或已停用"), field="care_tag")
    scope = scope_for(user, "sensitive" if tag.sensitive else "ledger")
    if scope.empty:
        raise Forbidden(_("您的岗位无权按该关怀标签筛选诉求"), field="care_tag")
    carriers = PersonTag.objects.filter(scope.q("person__place_path"), tag=tag)
    return Q(submitted_by__person_id__in=carriers.values("person_id")) | Q(
        submitted_by__person__household_id__in=carriers.filter(person__household__isnull=False).values(
            "person__household_id"
        )
    )


def my_unit_places(user: Any) -> list[tuple[str, int]]:
    """(path, id) of the nodes where the user holds a handling position (their own unit, not the subtree)."""
    from linli.people.positions import POSITION_KINDS

    return [
        (path, place)
        for kind, path, place in active_position_places(user)
        if kind in POSITION_KINDS and POSITION_KINDS[kind].capabilities & {"handle", "manage"}
    ]


def filter_tickets(qs: QuerySet[Ticket], user: Any, f: TicketFilters) -> QuerySet[Ticket]:
    if f.status:
        if f.status == "open":
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif f.status in Status.values:
            qs = qs.filter(status=f.status)
        else:
            raise InvalidInput(_("未知状态“%(status)s”") % {"status": f.status}, field="status")
    if f.category_id is not None:
        qs = qs.filter(
            Q(category_id=f.category_id)
            | Q(category__parent_id=f.category_id)
            | Q(category__parent__parent_id=f.category_id)
        )
    if f.source:
        if f.source not in Source.values:
            raise InvalidInput(_("未知来源“%(source)s”") % {"source": f.source}, field="source")
        qs = qs.filter(source=f.source)
    if f.overdue is True:
        qs = qs.filter(status__in=OPEN_STATUSES, paused_at__isnull=True, resolve_due__lt=timezone.now())
    elif f.overdue is False:
        qs = qs.exclude(status__in=OPEN_STATUSES, paused_at__isnull=True, resolve_due__lt=timezone.now())
    if f.place_id is not None:
        place = Place.objects.filter(pk=f.place_id).first()
        if place is None:
            raise InvalidInput(_("所选区域不存在"), field="place_id")
        qs = qs.filter(place_path__under=place.path)
    if f.mine:
        qs = qs.filter(submitted_by=user)
    if f.queue in ("mine", "unit"):
        # The unit's places as ids (the positions' own places, read with the positions): a condition on
        # the joined place's path kept PostgreSQL from stopping at the first page (it joined and sorted
        # every open request of a street: 190 ms at 1M requests; docs/scaling.md).
        units = my_unit_places(user)
        paths = [path for path, _place in units]
        unit_ids = sorted({place for _path, place in units})
        unit_q = Q(handling_place_id__in=unit_ids) if unit_ids else Q(pk__in=[])
        for p in paths:
            unit_q |= Q(handling_place__isnull=True, place_path__under=p)
        if f.queue == "mine":
            personal = Q(claimed_by=user) | Q(first_accepted_by=user) | unit_q
            qs = qs.filter(personal, status__in=OPEN_STATUSES)
        else:
            qs = qs.filter(unit_q)
    elif f.queue not in (None, "", "subtree"):
        raise InvalidInput(_("队列应为 mine、unit 或 subtree"), field="queue")
    if f.care_tag is not None:
        qs = qs.filter(care_tag_condition(user, f.care_tag))
    if f.q:
        qs = qs.filter(Q(number=f.q.strip()) | Q(title__icontains=f.q.strip()))
    return qs


def _queue_parts(user: Any, f: TicketFilters, *, own: Q | None = None) -> list[Any] | None:
    """For a list of open requests of street-level staff: one part per street (each walks
    ``ticket_open_street_newest``, that street's open requests newest first) and one for the viewer's
    own requests wherever they are (``own``: ``Ticket.own_q(user)``, if read already). Together they
    cover what the viewer sees. ``None`` when one query
    serves as well: not only open requests are asked, the scope is wider or narrower than streets, or
    there is no staff scope."""
    if f.status != "open" and f.queue != "mine":
        return None
    scope = scope_for_any(user, STAFF_CAPABILITIES)
    roots = scope.paths
    if scope.everything or not roots or min(len(root) for root in roots) != STREET_PATH_LENGTH:
        # Wider (the district): the city-wide index is the right walk. Narrower only (communities, grids):
        # few enough rows that PostgreSQL reads them through the subtree index and sorts them; two more
        # queries would only add their planning (measured: grid page 17.0 ms as one query, 17.5 in parts).
        return None
    streets = sorted({root[:STREET_PATH_LENGTH] for root in roots})
    return [in_street("place_path", prefix) for prefix in streets] + [own if own is not None else Ticket.own_q(user)]


def ticket_page(user: Any, f: TicketFilters, *, cursor: str | None, limit: int) -> Page[Ticket]:
    """One page of the requests the user may see with these filters, newest first."""
    keys = ticket_page_keys(user, f, cursor=cursor, limit=limit)
    return Page(items=page_rows(keys.items), next=keys.next)


def ticket_page_keys(
    user: Any,
    f: TicketFilters,
    *,
    cursor: str | None,
    limit: int,
    columns: tuple[Any, ...] = (),
    using: str | None = None,
) -> Page[Any]:
    """The ids of that page, newest first, and its cursor: everything the viewer's scope and the
    filters decide, without reading the rows (``page_rows`` reads them). With ``columns``, each item
    is ``(id, *columns)``, read in the same statement. ``using``: the database to read from (by default
    the router's choice).

    A street's open requests are one query's first page only while the city's newest open requests
    are spread evenly: walking the city-wide newest-first index, a street's page skipped every newer
    open request of the other streets (16,859 rows, 15 ms, after a surge elsewhere; docs/scaling.md).
    So a queue of open requests is read per street, plus the viewer's own requests
    (``keyset_keys`` with parts): its cost follows the street's own backlog, not the city's."""
    own = Ticket.own_q(user) if getattr(user, "is_authenticated", False) else None
    tickets = Ticket.objects.db_manager(using) if using else Ticket.objects
    qs = filter_tickets(tickets.visible_to(user, own=own), user, f)
    parts = _queue_parts(user, f, own=own)
    return keyset_keys(qs, parts, key="id", cursor=cursor, limit=limit, descending=True, columns=columns)


def page_rows(ids: list[int]) -> list[Ticket]:
    """The requests with these ids (already chosen within a viewer's scope), newest first, with what
    a list shows of them."""
    if not ids:
        return []
    return list(listed(Ticket.objects.filter(pk__in=ids)).order_by("-id"))


def timeline(ticket: Ticket) -> list[TicketEvent]:
    return list(TicketEvent.objects.filter(ticket=ticket).select_related("actor__person").order_by("at", "id"))


# Internal states a resident is not shown by name: "吹哨待报到" (escalated, waiting for the unit to
# report) is the handlers' business; to the person who reported the problem it is being handled.
RESIDENT_STATUS = {Status.ESCALATED: Status.IN_PROGRESS}


def resident_status(user: Any, ticket: Ticket) -> Status:
    """The status to show ``user`` for ``ticket``: staff see the real state, everyone else (the resident
    who reported it, a volunteer, a neighbour on a public request) the resident-facing one.
    Pages show ``.label`` (translated) and may use ``.value`` for styling."""
    return Status(ticket.status) if is_staff_like(user) else public_status(ticket)


def public_status(ticket: Ticket) -> Status:
    """The resident-facing status, for anyone outside the handlers (residents, the Open311 feed)."""
    status = Status(ticket.status)
    return RESIDENT_STATUS.get(status, status)


def event_actor_name(event: TicketEvent, ticket: Ticket, viewer: Any) -> str:
    """Who the timeline names for an event. On an anonymous request the reporter's own events (the
    submission, supplements, rating, reopening) read "匿名反映人" to everyone but the reporter: the form
    promises that staff do not see the name, and the timeline must keep that promise too."""
    if event.actor_id is None:
        return _("系统")
    if ticket.anonymous and event.actor_id == ticket.submitted_by_id and getattr(viewer, "pk", None) != event.actor_id:
        return _("匿名反映人")
    actor = event.actor
    assert actor is not None
    person = getattr(actor, "person", None)
    return person.name if person else actor.get_username()


def shown_phone(ticket: Ticket, viewer: Any) -> str:
    """The reporter's contact number as this viewer may see it (masked): the reporter; staff of the
    request's place unless it is anonymous. Volunteers on the order board see none."""
    if not ticket.phone_enc:
        return ""
    if ticket.submitted_by_id is not None and ticket.submitted_by_id == getattr(viewer, "pk", None):
        return ticket.contact_phone_masked
    if ticket.anonymous or not relations(viewer, ticket) & SEES_REPORTER:
        return ""
    return ticket.contact_phone_masked


def duplicates_of(ticket: Ticket) -> list[Ticket]:
    return list(Ticket.objects.filter(merged_into=ticket).order_by("id"))


def related_at_building(user: Any, ticket: Ticket, *, days: int = RELATED_DAYS) -> list[Ticket]:
    """Other requests at the same building (or the same place above building level) in the last 90 days."""
    building_path = (
        ticket.place_path[: 6 * Place.steplen] if len(ticket.place_path) >= 6 * Place.steplen else ticket.place_path
    )
    since = timezone.now() - dt.timedelta(days=days)
    return list(
        visible_tickets(user)
        .filter(place_path__under=building_path, submitted_at__gte=since)
        .exclude(pk=ticket.pk)
        .order_by("-submitted_at")[:20]
    )


def order_board(user: Any) -> QuerySet[Ticket]:
    """Published public requests under the nodes where the user may claim (居民点单 → 党员接单)."""
    roots = claim_roots(user)
    if not roots:
        return Ticket.objects.none()
    cond = Q()
    for root in roots:
        cond |= Q() if root == "" else Q(place_path__under=root)
    return listed(Ticket.objects.filter(cond, status=Status.PUBLISHED, public=True))


def my_claims(user: Any) -> QuerySet[Ticket]:
    return listed(Ticket.objects.filter(claimed_by=user)).order_by("-id")


ON_THE_SPOT_DEFINITION = gettext_noop(
    "期内提交且位于该节点下、由登记的工作人员登记时一并办结(现场即办)且未被重新办理的诉求数;占比的分母为已办结诉求"
)


def resolved_on_spot_count(node: Place, period: Period) -> int:
    """现场即办 (易事即办): requests of the period's cohort under the node that their recorder resolved in the same step
    (``ticket_resolve_on_the_spot``) and that were not reopened since (docs/metrics.md). Read live from the request
    rows over the partial index ``ticket_on_spot``, like ``overdue_now``: the rollups do not hold it."""
    start, end = period_bounds(period)
    return Ticket.objects.filter(
        resolved_on_spot=True, place_path__under=node.path, submitted_at__gte=start, submitted_at__lt=end
    ).count()
