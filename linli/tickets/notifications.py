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
                path__in=ancestor_paths(ticket.place_path, Place.steplen), kind__in=["grid", "community"]
            ).order_by("depth")
        )
        ticket._units_above = cached  # type: ignore[attr-defined]
    return cached


def _community(ticket: Ticket) -> Place | None:
    top = ticket.place_path[: 3 * Place.steplen]
    return next((p for p in _units_above(ticket) if p.path == top and p.kind == "community"), None)


def after_event_later(ticket: Ticket, event: TicketEvent) -> None:
    """Queue ``after_event`` for the worker (called once the event is committed): whoever acted gets
    their answer without waiting for the fan-out to reporters, handlers, robots and the SMS outbox —
    at intake that fan-out was a third of the request's queries (docs/scaling.md)."""
    from linli.tickets.tasks import ticket_event_notify

    ticket_event_notify(event.pk)


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
