"""Who hears about what happened to a request. Runs after commit (``transaction.on_commit``).

Residents: in-app inbox, plus SMS for acceptance, decline, resolution and requests for
information (the things they must act on or would otherwise phone about). Handling units:
inbox. The community's group robot (五长工作群) hears about new requests, escalations and
supervision notices.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import Q
from django.urls import reverse

from linli.core.lookups import ancestor_paths
from linli.people.positions import POSITION_KINDS
from linli.places.models import Place
from linli.tickets.models import Ticket, TicketEvent

log = logging.getLogger("linli.tickets")

TO_REPORTERS = {
    "accept": "您反映的诉求已受理",
    "decline": "您反映的诉求未予受理",
    "claim": "您反映的诉求已有党员/志愿者接单",
    "request_info": "请补充诉求材料",
    "resolve": "您反映的诉求已办结,请评价",
    "reopen": "您反映的诉求已重新办理",
    "close": "您反映的诉求已关闭",
    "merge": "您反映的诉求已与相同问题合并办理",
}
SMS_ACTIONS = {"accept", "decline", "request_info", "resolve"}
TO_HANDLERS = {
    "submit": "新诉求待受理",
    "assign": "新派单",
    "transfer": "转办诉求",
    "escalate": "吹哨报到",
    "supervise": "督办通知",
    "supply_info": "居民已补充材料",
    "rate": "居民已评价",
    "reopen": "诉求重新办理",
}
TO_ROBOT = {"submit", "escalate", "supervise"}
UNIT_KINDS = ("grid", "community")  # the places whose handlers hear of a request not yet accepted
HANDLING_KINDS = [code for code, k in POSITION_KINDS.items() if k.capabilities & {"handle", "manage"}]


def reporters(ticket: Ticket) -> list[Any]:
    """The reporter and the reporters of every duplicate merged into it."""
    from linli.accounts.models import User

    return list(
        User.objects.filter(
            Q(submitted_tickets=ticket) | Q(submitted_tickets__merged_into=ticket), is_active=True
        ).distinct()
    )


def handlers(ticket: Ticket) -> list[Any]:
    """People who handle it now: the organisation's liaisons, or handling positions at the unit
    (for a request not yet accepted: at the nearest grid or community above its place)."""
    from linli.accounts.models import User
    from linli.people.models import Position

    if ticket.handling_org_id:
        positions = Position.objects.filter(organisation_id=ticket.handling_org_id, kind="department_liaison")
    else:
        if ticket.handling_place_id:
            paths = [ticket.handling_place.path]  # type: ignore[union-attr]
        else:
            nearest = _units_above(ticket)
            paths = [nearest[-1].path] if nearest else []
        positions = Position.objects.filter(place__path__in=paths, kind__in=HANDLING_KINDS)
    positions = positions.filter(end_date__isnull=True)
    users = list(User.objects.filter(person__positions__in=positions, is_active=True).distinct())
    if ticket.first_accepted_by_id and ticket.first_accepted_by_id not in {u.pk for u in users}:
        first = User.objects.filter(pk=ticket.first_accepted_by_id, is_active=True).first()
        if first is not None:
            users.append(first)  # 首接负责: the first acceptor hears everything
    return users


def _units_above(ticket: Ticket) -> list[Place]:
    """The grid and community places at and above the request's place, top down: read once per event
    (kept on the request object) and shared by ``handlers`` and the robot's ``_community``."""
    cached: list[Place] | None = getattr(ticket, "_units_above", None)
    if cached is None:
        cached = list(
            Place.objects.filter(
                path__in=ancestor_paths(ticket.place_path, Place.steplen), kind__in=UNIT_KINDS
            ).order_by("depth")
        )
        ticket._units_above = cached  # type: ignore[attr-defined]
    return cached


def _community(ticket: Ticket) -> Place | None:
    top = ticket.place_path[: 3 * Place.steplen]
    return next((p for p in _units_above(ticket) if p.path == top and p.kind == "community"), None)


def remember_units_above(ticket: Ticket, places: list[Place]) -> None:
    """Keep the grid and community places among ``places`` (the request's place and every place above
    it, top down, read by the caller already) as ``_units_above`` would read them."""
    ticket._units_above = [p for p in places if p.kind in UNIT_KINDS]  # type: ignore[attr-defined]


# What ``after_event`` reads of a request and of an event. Sent with the task when the web process has it
# all in hand, so the worker does not read the event, the request and its unit back (a third of its CPU an
# intake, docs/scaling.md session 17): the notice says what the event was when it was committed.
NOTICE_TICKET = (
    *("id", "number", "title", "status", "place_path"),
    *("handling_place_id", "handling_org_id", "first_accepted_by_id"),
)
NOTICE_EVENT = ("id", "action", "note", "actor_id")
NOTICE_PLACE = ("id", "path", "kind", "name")


def notice_of(ticket: Ticket, event: TicketEvent) -> dict[str, Any] | None:
    """The request and event as ``after_event`` reads them, or ``None`` when part of that is not in hand
    (the handling unit not loaded): the worker reads the event back then."""
    notice: dict[str, Any] = {
        "ticket": {f: getattr(ticket, f) for f in NOTICE_TICKET},
        "event": {f: getattr(event, f) for f in NOTICE_EVENT},
    }
    if ticket.handling_place_id:
        if not Ticket.handling_place.is_cached(ticket):  # type: ignore[attr-defined]
            return None
        notice["handling_place"] = _place_notice(ticket.handling_place)  # type: ignore[arg-type]
    units = getattr(ticket, "_units_above", None)
    if units is not None:
        notice["units_above"] = [_place_notice(p) for p in units]
    return notice


def _place_notice(place: Place) -> dict[str, Any]:
    return {f: getattr(place, f) for f in NOTICE_PLACE}


def from_notice(notice: dict[str, Any]) -> tuple[Ticket, TicketEvent]:
    """The request and event a notice describes, as unsaved-looking instances ``after_event`` can read."""
    ticket = Ticket(**notice["ticket"])
    ticket._state.adding = False
    if "handling_place" in notice:
        ticket.handling_place = Place(**notice["handling_place"])
    if "units_above" in notice:
        ticket._units_above = [Place(**p) for p in notice["units_above"]]  # type: ignore[attr-defined]
    event = TicketEvent(ticket=ticket, **notice["event"])
    event._state.adding = False
    return ticket, event


def after_event_later(ticket: Ticket, event: TicketEvent) -> None:
    """Queue ``after_event`` for the worker (called once the event is committed): whoever acted gets
    their answer without waiting for the fan-out to reporters, handlers, robots and the SMS outbox —
    at intake that fan-out was a third of the request's queries (docs/scaling.md)."""
    from linli.tickets.tasks import ticket_event_notify

    ticket_event_notify(event.pk, notice=notice_of(ticket, event))


def after_event(ticket: Ticket, event: TicketEvent) -> None:
    """Send what this event calls for. A failing channel is logged, never undoes the transition."""
    from linli.notify.services import group_robot_post, notify

    link = reverse("tickets:detail", args=[ticket.pk])
    action = event.action
    try:
        if action in TO_REPORTERS:
            people = [u for u in reporters(ticket) if u.pk != event.actor_id]
            body = event.note or ticket.title
            sms = f"【邻里】{TO_REPORTERS[action]}({ticket.number}):{body[:60]}" if action in SMS_ACTIONS else ""
            notify(  # with an SMS: one outbox row per (notification, SMS), in this same transaction
                users=people,
                kind=f"ticket.{action}",
                title=f"{TO_REPORTERS[action]}:{ticket.number}",
                body=body,
                link=link,
                sms_text=sms,
            )
        if action in TO_HANDLERS:
            people = [u for u in handlers(ticket) if u.pk != event.actor_id]
            notify(
                users=people,
                kind=f"ticket.{action}",
                title=f"{TO_HANDLERS[action]}:{ticket.number}",
                body=event.note or ticket.title,
                link=link,
            )
        if action in TO_ROBOT:
            community = _community(ticket)
            if community is not None:
                group_robot_post(
                    place=community,
                    text=f"{TO_HANDLERS[action]}:{ticket.number} {ticket.title}(状态:{ticket.status_label})",
                )
    except Exception:  # a notification channel must never break request handling
        log.exception("notification for %s %s failed", ticket.number, action)
