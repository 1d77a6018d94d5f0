"""One service per transition of the request state machine (table: ``linli.tickets.workflow``).

Each is keyword-only, runs in one transaction with the request row locked, writes one
``TicketEvent`` and notifies after commit. Errors: ``Conflict`` (not in this state),
``Forbidden`` (visible but not yours to do), ``NotFound`` (outside scope), ``InvalidInput``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.lookups import ancestor_paths
from linli.core.scoping import active_positions
from linli.core.text import clean_text
from linli.orgs.models import Organisation, OrganisationKind
from linli.people.positions import POSITION_KINDS
from linli.places.models import Place, PlaceKind
from linli.tickets.deadlines import resume_deadline
from linli.tickets.models import Category, Rating, Status, Ticket, UnitType
from linli.tickets.notifications import after_event_later
from linli.tickets.tiers import needs_service_area, org_left, place_left
from linli.tickets.workflow import SYSTEM, apply_transition, lock_ticket

NOTE_MAX = 2000
DEFAULT_ACK_HOURS = 24
LEVELS = [PlaceKind.GRID, PlaceKind.COMMUNITY, PlaceKind.STREET, PlaceKind.DISTRICT]


def _note(value: str, *, required: bool = False, label: str = "") -> str:
    label = label or gettext("说明")
    return clean_text(value, field="note", label=label, max_length=NOTE_MAX, required=required, show_length=True)


def _ancestors(path: str) -> list[Place]:
    prefixes = ancestor_paths(path, Place.steplen)
    return list(Place.objects.filter(path__in=prefixes).order_by("depth"))


def _actor_unit(actor: Any, ticket: Ticket) -> Place | None:
    """The innermost node where the actor holds a handling position covering the request."""
    paths = [
        path
        for kind, path in active_positions(actor)
        if ticket.place_path.startswith(path)
        and POSITION_KINDS.get(kind) is not None
        and POSITION_KINDS[kind].capabilities & {"handle", "manage", "admin"}
    ]
    if not paths:
        return None
    return Place.objects.filter(path=max(paths, key=len)).first()


def unit_data(place: Place | None, org: Organisation | None) -> dict[str, Any]:
    """The handling unit as the event records it, with the levels it lies above (``tickets.tiers``):
    ``left_compound`` / ``left_community`` / ``left_street`` feed in_compound / grassroots / in_street."""
    if org is not None:
        home = Place.objects.get(pk=org.home_id)
        served: list[str] = []
        if needs_service_area(org.kind, home.kind):
            served = list(org.serves.values_list("kind", flat=True))
        left = org_left(org.kind, home.kind, served)
        return {"unit": org.name, "unit_kind": org.kind, "organisation_id": org.pk, **left.data()}
    assert place is not None
    return {"unit": place.name, "unit_kind": place.kind, "place_id": place.pk, **place_left(place.kind).data()}


def _target_unit(
    ticket: Ticket, *, place_id: int | None, organisation_id: int | None
) -> tuple[Place | None, Organisation | None]:
    if (place_id is None) == (organisation_id is None):
        raise InvalidInput(gettext("请选择一个办理单位(区域节点或组织二选一)"), field="place_id")
    if place_id is not None:
        place = Place.objects.filter(pk=place_id).first()
        if place is None or not ticket.place_path.startswith(place.path) or place.kind not in LEVELS:
            raise InvalidInput(gettext("办理单位应为诉求所在的网格、社区、街道或区"), field="place_id")
        return place, None
    assert organisation_id is not None  # exactly one of the two was given
    org = Organisation.objects.filter(pk=organisation_id).select_related("home").first()
    if org is None:
        raise InvalidInput(gettext("所选组织不存在"), field="organisation_id")
    serves = org.serves.filter(path__in=[a.path for a in _ancestors(ticket.place_path)]).exists()
    if not (ticket.place_path.startswith(org.home.path) or serves):
        raise InvalidInput(gettext("所选组织不服务于诉求所在区域"), field="organisation_id")
    return None, org


UNIT_PLACE_KINDS = {
    UnitType.GRID: PlaceKind.GRID,
    UnitType.COMMUNITY: PlaceKind.COMMUNITY,
    UnitType.STREET: PlaceKind.STREET,
}
UNIT_ORG_KINDS = {
    UnitType.DEPARTMENT: OrganisationKind.DEPARTMENT,
    UnitType.PROPERTY: OrganisationKind.PROPERTY_COMPANY,
}


def default_unit(
    ticket: Ticket, category: Category, *, ancestors: list[Place] | None = None
) -> tuple[Place | None, Organisation | None]:
    """The handling unit a category maps to at this request's place: its unit type (inherited from
    the parent when blank) resolved to the nearest grid/community/street above the request, or the
    one department / property company serving the nearest place above it. ``(None, None)`` when the
    data is missing or two organisations serve equally near (a person must choose then). ``ancestors``:
    the places from the root down to the request's place, when the caller has read them already."""
    unit_type, node = category.default_unit_type, category.parent
    while not unit_type and node is not None:
        unit_type, node = node.default_unit_type, node.parent
    if ancestors is None:
        ancestors = _ancestors(ticket.place_path)
    if unit_type in UNIT_PLACE_KINDS:
        match = [a for a in ancestors if a.kind == UNIT_PLACE_KINDS[UnitType(unit_type)]]
        return (match[-1], None) if match else (None, None)
    if unit_type not in UNIT_ORG_KINDS:
        return None, None
    paths = [a.path for a in ancestors]
    served = Organisation.serves.through.objects.filter(
        place__path__in=paths, organisation__kind=UNIT_ORG_KINDS[UnitType(unit_type)]
    ).values_list("organisation_id", "place__path")
    nearest: dict[str, set[int]] = {}
    for org_id, path in served:
        nearest.setdefault(path, set()).add(org_id)
    closest = nearest[max(nearest, key=len)] if nearest else set()
    if len(closest) != 1:
        return None, None
    return None, Organisation.objects.select_related("home").get(pk=next(iter(closest)))


def _hand_to(ticket: Ticket, place: Place | None, org: Organisation | None) -> dict[str, Any]:
    ticket.handling_place = place
    ticket.handling_org = org
    ticket.claimed_by = None
    return unit_data(place, org)


def ticket_accept(*, actor: Any, ticket_id: int, note: str = "", quiet: bool = False) -> Ticket:
    """``quiet``: no notifications (the on-the-spot path, whose resolution is the one worth hearing)."""

    def mutate(t: Ticket) -> dict[str, Any]:
        now = timezone.now()
        unit = _actor_unit(actor, t) or t.place
        t.responded_at = t.responded_at or now
        if t.first_unit_id is None:
            t.first_unit = unit
            t.first_accepted_by = actor
        if t.handling_org_id is None:  # a unit set by automatic dispatch stands
            t.handling_place = t.handling_place or unit
        return {"on_time": bool(t.response_due and now <= t.response_due), **unit_data(unit, None)}

    return apply_transition(
        actor=actor,
        ticket_id=ticket_id,
        action="accept",
        note=_note(note),
        mutate=mutate,
        notify=None if quiet else after_event_later,
    )


def ticket_decline(*, actor: Any, ticket_id: int, note: str) -> Ticket:
    """Not accepted (e.g. outside legal remit), with the explanation the resident will read."""
    text = _note(note, required=True, label=gettext("不予受理的理由和向居民的解释"))

    def mutate(t: Ticket) -> None:
        t.responded_at = t.responded_at or timezone.now()

    return apply_transition(
        actor=actor, ticket_id=ticket_id, action="decline", note=text, mutate=mutate, notify=after_event_later
    )


def ticket_assign(
    *,
    actor: Any,
    ticket_id: int,
    place_id: int | None = None,
    organisation_id: int | None = None,
    note: str = "",
    quiet: bool = False,
) -> Ticket:
    def mutate(t: Ticket) -> dict[str, Any]:
        place, org = _target_unit(t, place_id=place_id, organisation_id=organisation_id)
        return _hand_to(t, place, org)

    return apply_transition(
        actor=actor,
        ticket_id=ticket_id,
        action="assign",
        note=_note(note),
        mutate=mutate,
        notify=None if quiet else after_event_later,
    )


def ticket_publish(*, actor: Any, ticket_id: int, note: str = "") -> Ticket:
    """Put it on the order board (党组织下单) for party members and volunteers to claim."""

    def mutate(t: Ticket) -> None:
        if not t.public:
            raise Conflict(gettext("反映人选择了不公开,不能发布到接单大厅"), field="public")
        t.claimed_by = None

    return apply_transition(
        actor=actor, ticket_id=ticket_id, action="publish", note=_note(note), mutate=mutate, notify=after_event_later
    )


def ticket_claim(*, actor: Any, ticket_id: int, note: str = "") -> Ticket:
    """党员接单. The row lock makes the second of two simultaneous claims see ``claimed`` → 409."""

    def mutate(t: Ticket) -> dict[str, Any]:
        t.claimed_by = actor
        return {"claimant": actor.get_username()}

    return apply_transition(
        actor=actor, ticket_id=ticket_id, action="claim", note=_note(note), mutate=mutate, notify=after_event_later
    )


def ticket_start(*, actor: Any, ticket_id: int, note: str = "") -> Ticket:
    return apply_transition(
        actor=actor, ticket_id=ticket_id, action="start", note=_note(note), notify=after_event_later
    )


def ticket_request_info(*, actor: Any, ticket_id: int, note: str) -> Ticket:
    """Ask the resident for more; the deadline clock stops until they answer."""
    text = _note(note, required=True, label=gettext("需要补充的内容"))

    def mutate(t: Ticket) -> None:
        t.paused_from = t.status
        t.paused_at = timezone.now()

    return apply_transition(
        actor=actor, ticket_id=ticket_id, action="request_info", note=text, mutate=mutate, notify=after_event_later
    )


def ticket_supply_info(*, actor: Any, ticket_id: int, note: str) -> Ticket:
    """The resident answers; the clock runs again and the deadline moves by the working days paused."""
    text = _note(note, required=True, label=gettext("补充内容"))

    def mutate(t: Ticket) -> dict[str, Any]:
        now = timezone.now()
        paused_at = t.paused_at or now
        seconds = max(0, int((now - paused_at).total_seconds()))
        t.paused_seconds += seconds
        workdays = 0
        if t.resolve_due:
            t.resolve_due, workdays = resume_deadline(resolve_due=t.resolve_due, paused_at=paused_at, resumed_at=now)
            if workdays:
                t.reminded_at = None  # a new deadline earns a new reminder
        t.paused_at = None
        return {"paused_seconds": seconds, "paused_workdays": workdays}

    return apply_transition(
        actor=actor, ticket_id=ticket_id, action="supply_info", note=text, mutate=mutate, notify=after_event_later
    )


def ticket_resolve(*, actor: Any, ticket_id: int, note: str, on_the_spot: bool = False) -> Ticket:
    """办结. ``on_the_spot`` only from ``ticket_resolve_on_the_spot``: settled as it was recorded (易事即办)."""
    text = _note(note, required=True, label=gettext("办理结果"))

    def mutate(t: Ticket) -> dict[str, Any]:
        now = timezone.now()
        t.resolution = text
        t.resolved_at = now
        t.resolved_on_spot = on_the_spot
        extra = {"on_the_spot": True} if on_the_spot else {}
        return {"on_time": bool(t.resolve_due is None or now <= t.resolve_due), **extra}

    return apply_transition(
        actor=actor, ticket_id=ticket_id, action="resolve", note=text, mutate=mutate, notify=after_event_later
    )


ON_THE_SPOT_FROM = (Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED)


def _handling_level(node: Place | None) -> Place | None:
    """The unit a request can be handed to for a position at ``node``: the node itself when it is a grid,
    community, street or district, else the nearest of those above it (a 楼栋长's building → its grid)."""
    if node is None or node.kind in LEVELS:
        return node
    levels = [a for a in _ancestors(node.path) if a.kind in LEVELS]
    return levels[-1] if levels else None


def ticket_resolve_on_the_spot(*, actor: Any, ticket_id: int, note: str) -> Ticket:
    """易事即办 (seed 001: "能够现场解决的现场即办"): the worker who recorded a request at the door, on patrol or
    by phone and settled it there and then closes it in one step. It is accepted and handed to the worker's
    own unit (the innermost grid, community, street or district at or above the node where they handle requests
    covering it), then resolved: three events, as if
    done one by one, so the rollups, the tiers and the deadlines read it like any other request, in one
    transaction (all or nothing). The acceptance and the hand-over notify nobody (handlers would be told of
    work already done); the resolution notifies as any other.

    Only for the request's recorder, while nobody else has taken it up (submitted, accepted or assigned, never
    reopened): a request handled later is resolved the ordinary way, and does not count as 现场即办.
    """
    text = _note(note, required=True, label=gettext("现场办理结果"))
    with transaction.atomic():
        ticket = lock_ticket(actor=actor, ticket_id=ticket_id)
        if ticket.submitted_by_id != actor.pk:
            raise Conflict(gettext("只有登记该诉求的工作人员可以现场办结"), field="action")
        if ticket.status not in ON_THE_SPOT_FROM or ticket.reopen_count:
            raise Conflict(
                gettext("诉求当前状态为“%(status)s”,不能现场办结") % {"status": ticket.status_label}, field="action"
            )
        unit = _handling_level(_actor_unit(actor, ticket))
        if unit is None:
            raise Forbidden(gettext("您在诉求所在区域没有办理岗位,不能现场办结"))
        if ticket.status == Status.SUBMITTED:
            ticket = ticket_accept(actor=actor, ticket_id=ticket_id, quiet=True)
        if (
            ticket.handling_org_id is not None
            or ticket.handling_place_id != unit.pk
            or ticket.status != Status.ASSIGNED
        ):
            ticket = ticket_assign(actor=actor, ticket_id=ticket_id, place_id=unit.pk, quiet=True)
        return ticket_resolve(actor=actor, ticket_id=ticket_id, note=text, on_the_spot=True)


def ticket_rate(*, actor: Any, ticket_id: int, rating: str, note: str = "") -> Ticket:
    """The reporter's callback rating. Satisfied or basically satisfied closes the request;
    unsatisfied leaves it for a supervisor to reopen (once) or close."""
    if rating not in Rating.values:
        raise InvalidInput(gettext("评价应为 满意、基本满意 或 不满意"), field="rating")
    comment = _note(note, label=gettext("评价意见"))
    if rating == Rating.UNSATISFIED and not comment:
        raise InvalidInput(gettext("不满意时请说明原因"), field="note")

    def mutate(t: Ticket) -> dict[str, Any]:
        t.rating = rating
        t.rating_comment = comment[:500]
        t.rating_disputed = False
        return {"rating": rating}

    with transaction.atomic():
        ticket = apply_transition(
            actor=actor, ticket_id=ticket_id, action="rate", note=comment, mutate=mutate, notify=after_event_later
        )
        if rating != Rating.UNSATISFIED:
            ticket = _close(actor=SYSTEM, ticket_id=ticket_id, note="居民评价满意,自动关闭")
    return ticket


def ticket_reopen(*, actor: Any, ticket_id: int, note: str) -> Ticket:
    text = _note(note, required=True, label=gettext("重新办理的理由"))

    def mutate(t: Ticket) -> None:
        if t.rating != Rating.UNSATISFIED:
            raise Conflict(gettext("只有居民评价为不满意的诉求可以重新办理"))
        if t.reopen_count >= 1:
            raise Conflict(gettext("该诉求已重新办理过一次,请督办或关闭"))
        t.reopen_count += 1
        t.resolved_at = None
        t.resolved_on_spot = False  # what was settled on the spot did not hold

    return apply_transition(
        actor=actor, ticket_id=ticket_id, action="reopen", note=text, mutate=mutate, notify=after_event_later
    )


def ticket_appeal(*, actor: Any, ticket_id: int, note: str) -> Ticket:
    """The handler disputes a rating (e.g. unrelated to the handling); it is marked for review."""
    text = _note(note, required=True, label=gettext("申诉理由"))

    def mutate(t: Ticket) -> None:
        if t.rating_disputed:
            raise Conflict(gettext("该评价已在申诉中"))
        t.rating_disputed = True

    return apply_transition(
        actor=actor, ticket_id=ticket_id, action="appeal", note=text, mutate=mutate, notify=after_event_later
    )


def ticket_escalate(
    *,
    actor: Any,
    ticket_id: int,
    note: str,
    organisation_id: int | None = None,
    ack_hours: int = DEFAULT_ACK_HOURS,
) -> Ticket:
    """吹哨: to the parent level (no organisation) or a department, which must report within ``ack_hours``."""
    text = _note(note, required=True, label=gettext("吹哨理由"))
    if isinstance(ack_hours, bool) or not isinstance(ack_hours, int) or not 1 <= ack_hours <= 168:
        raise InvalidInput(gettext("报到时限应在 1 到 168 小时之间"), field="ack_hours")

    def mutate(t: Ticket) -> dict[str, Any]:
        if organisation_id is not None:
            org = Organisation.objects.filter(pk=organisation_id).first()
            if org is None or org.kind != OrganisationKind.DEPARTMENT:
                raise InvalidInput(gettext("只能向职能部门吹哨"), field="organisation_id")
            _, org = _target_unit(t, place_id=None, organisation_id=organisation_id)
            place = None
        else:
            org = None
            place = _parent_level(t)
        t.ack_due = timezone.now() + dt.timedelta(hours=ack_hours)
        return {**_hand_to(t, place, org), "ack_hours": ack_hours}

    return apply_transition(
        actor=actor, ticket_id=ticket_id, action="escalate", note=text, mutate=mutate, notify=after_event_later
    )


def _parent_level(t: Ticket) -> Place:
    ancestors = _ancestors(t.place_path)
    current = t.handling_place
    level = LEVELS.index(current.kind) if current is not None and current.kind in LEVELS else 0
    if t.handling_org_id is not None:
        level = LEVELS.index(PlaceKind.STREET) - 1
    for kind in LEVELS[level + 1 :]:
        for a in ancestors:
            if a.kind == kind:
                return a
    raise Conflict(gettext("已是最高层级,请向职能部门吹哨"))


def ticket_acknowledge(*, actor: Any, ticket_id: int, note: str = "") -> Ticket:
    """报到: the unit whistled confirms it takes the request on."""

    def mutate(t: Ticket) -> dict[str, Any]:
        on_time = bool(t.ack_due is None or timezone.now() <= t.ack_due)
        t.ack_due = None
        return {"on_time": on_time}

    return apply_transition(
        actor=actor,
        ticket_id=ticket_id,
        action="acknowledge",
        note=_note(note),
        mutate=mutate,
        notify=after_event_later,
    )


def ticket_transfer(
    *, actor: Any, ticket_id: int, note: str, place_id: int | None = None, organisation_id: int | None = None
) -> Ticket:
    text = _note(note, required=True, label=gettext("转办理由"))

    def mutate(t: Ticket) -> dict[str, Any]:
        place, org = _target_unit(t, place_id=place_id, organisation_id=organisation_id)
        if (place is not None and place.pk == t.handling_place_id and t.handling_org_id is None) or (
            org is not None and org.pk == t.handling_org_id
        ):
            raise Conflict(gettext("诉求已在该单位办理"))
        t.ack_due = None
        return _hand_to(t, place, org)

    return apply_transition(
        actor=actor, ticket_id=ticket_id, action="transfer", note=text, mutate=mutate, notify=after_event_later
    )


def ticket_merge(*, actor: Any, ticket_id: int, master_id: int, note: str = "") -> Ticket:
    """Merge a duplicate into a master request; the duplicate's reporter then follows the master."""
    from linli.tickets.models import TicketEvent
    from linli.tickets.workflow import lock_ticket

    if master_id == ticket_id:
        raise InvalidInput(gettext("不能与自身合并"), field="master_id")
    with transaction.atomic():
        master = lock_ticket(actor=actor, ticket_id=master_id)
        if master.status in (Status.MERGED, Status.CLOSED, Status.DECLINED):
            raise Conflict(
                gettext("主诉求状态为“%(status)s”,不能作为合并目标") % {"status": master.status_label},
                field="master_id",
            )

        def mutate(t: Ticket) -> dict[str, Any]:
            if not t.place_path.startswith(master.place_path[: 3 * Place.steplen]):
                raise InvalidInput(gettext("只能合并同一社区内的重复诉求"), field="master_id")
            t.merged_into = master
            t.closed_at = timezone.now()
            return {"master_id": master.pk, "master_number": master.number}

        duplicate = apply_transition(
            actor=actor, ticket_id=ticket_id, action="merge", note=_note(note), mutate=mutate, notify=after_event_later
        )
        TicketEvent.objects.create(
            ticket=master,
            place_path=master.place_path,
            actor=actor,
            action="merge_in",
            from_status=master.status,
            to_status=master.status,
            note=_note(note),
            data={"duplicate_id": duplicate.pk, "duplicate_number": duplicate.number},
        )
    return duplicate


def ticket_supervise(*, actor: Any, ticket_id: int, note: str, auto: bool = False) -> Ticket:
    """督办: by a leader, or automatically (``actor=None``) when a deadline passes."""
    text = _note(note, required=True, label=gettext("督办意见"))

    def mutate(t: Ticket) -> dict[str, Any]:
        t.supervision_count += 1
        t.supervised_at = timezone.now()
        return {"auto": auto}

    return apply_transition(
        actor=actor, ticket_id=ticket_id, action="supervise", note=text, mutate=mutate, notify=after_event_later
    )


def _close(*, actor: Any, ticket_id: int, note: str) -> Ticket:
    def mutate(t: Ticket) -> None:
        t.closed_at = timezone.now()

    return apply_transition(
        actor=actor, ticket_id=ticket_id, action="close", note=note, mutate=mutate, notify=after_event_later
    )


def ticket_close(*, actor: Any, ticket_id: int, note: str = "") -> Ticket:
    return _close(actor=actor, ticket_id=ticket_id, note=_note(note))


def ticket_recategorise(*, actor: Any, ticket_id: int, category_id: int | None, note: str = "") -> Ticket:
    """改分类: staff correct a request's category while it is open (wrong dispatch is the most common
    complaint). Deadlines already running stand; the priority follows the new category. The event
    moves the request in the dashboards' rollups (``apply_transition``), and routing's accuracy
    audit compares its suggestion with this final category."""
    if category_id is None:
        raise InvalidInput(gettext("请选择新的分类"), field="category_id")

    def mutate(t: Ticket) -> dict[str, Any]:
        category = Category.objects.filter(pk=category_id, active=True).first()
        if category is None:
            raise InvalidInput(gettext("所选分类不存在或已停用"), field="category_id")
        if t.category_id == category.pk:
            raise Conflict(gettext("诉求已是该分类"), field="category_id")
        old = t.category
        t.category = category
        t.priority = category.priority
        return {
            "category_id": category.pk,
            "category": category.full_name,
            "from_category_id": old.pk if old else None,
            "from_category": old.full_name if old else "",
        }

    return apply_transition(
        actor=actor,
        ticket_id=ticket_id,
        action="recategorise",
        note=_note(note),
        mutate=mutate,
        notify=after_event_later,
    )


ACTIONS = {
    "accept": ticket_accept,
    "decline": ticket_decline,
    "assign": ticket_assign,
    "publish": ticket_publish,
    "claim": ticket_claim,
    "start": ticket_start,
    "request_info": ticket_request_info,
    "supply_info": ticket_supply_info,
    "resolve": ticket_resolve,
    "resolve_on_the_spot": ticket_resolve_on_the_spot,
    "rate": ticket_rate,
    "reopen": ticket_reopen,
    "appeal": ticket_appeal,
    "escalate": ticket_escalate,
    "acknowledge": ticket_acknowledge,
    "transfer": ticket_transfer,
    "merge": ticket_merge,
    "supervise": ticket_supervise,
    "close": ticket_close,
    "recategorise": ticket_recategorise,
}


def ticket_act(
    *,
    actor: Any,
    ticket_id: int,
    action: str,
    note: str = "",
    rating: str | None = None,
    place_id: int | None = None,
    organisation_id: int | None = None,
    master_id: int | None = None,
    ack_hours: int | None = None,
    category_id: int | None = None,
) -> Ticket:
    """Dispatch a named action with only the parameters its service takes (API and pages)."""
    from linli.core.errors import NotFound

    service: Any = ACTIONS.get(action)
    if service is None:
        raise NotFound(gettext("未知操作“%(action)s”") % {"action": action})
    kwargs: dict[str, Any] = {"actor": actor, "ticket_id": ticket_id, "note": note or ""}
    if action == "rate":
        kwargs["rating"] = rating or ""
    elif action in ("assign", "transfer"):
        kwargs.update(place_id=place_id, organisation_id=organisation_id)
    elif action == "escalate":
        kwargs["organisation_id"] = organisation_id
        if ack_hours is not None:
            kwargs["ack_hours"] = ack_hours
    elif action == "recategorise":
        kwargs["category_id"] = category_id
    elif action == "merge":
        if master_id is None:
            raise InvalidInput(gettext("请选择主诉求"), field="master_id")
        kwargs["master_id"] = master_id
    return service(**kwargs)  # type: ignore[no-any-return]
