"""The periodic deadline sweep: automatic supervision (督办) of overdue requests and of
escalations nobody reported for, and one reminder a day before a request falls due."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from linli.core.errors import Conflict
from linli.tickets.models import OPEN_STATUSES, Status, Ticket
from linli.tickets.transitions import ticket_supervise
from linli.tickets.workflow import SYSTEM

log = logging.getLogger("linli.tickets")
REMIND_BEFORE = dt.timedelta(hours=24)
SUPERVISE_AGAIN_AFTER = dt.timedelta(days=1)
BATCH = 1000


@dataclass
class SweepResult:
    supervised: int = 0
    reminded: int = 0


def _not_recently_supervised(now: dt.datetime) -> Q:
    return Q(supervised_at__isnull=True) | Q(supervised_at__lt=now - SUPERVISE_AGAIN_AFTER)


def sweep_deadlines(*, now: dt.datetime | None = None) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    running = Ticket.objects.filter(status__in=OPEN_STATUSES, paused_at__isnull=True)
    overdue = running.filter(_not_recently_supervised(now), resolve_due__lt=now).exclude(status=Status.WAITING_INFO)
    late_ack = Ticket.objects.filter(_not_recently_supervised(now), status=Status.ESCALATED, ack_due__lt=now)
    jobs = [(pk, "已超过办理时限,系统自动督办") for pk in overdue.values_list("pk", flat=True)[:BATCH]]
    jobs += [(pk, "吹哨后未按时报到,系统自动督办") for pk in late_ack.values_list("pk", flat=True)[:BATCH]]
    done: set[int] = set()
    for pk, note in jobs:
        if pk in done:
            continue
        try:
            ticket_supervise(actor=SYSTEM, ticket_id=pk, note=note, auto=True)
        except Conflict:  # its state changed since we listed it
            continue
        done.add(pk)
        result.supervised += 1
    due_soon = running.filter(reminded_at__isnull=True, resolve_due__gte=now, resolve_due__lt=now + REMIND_BEFORE)
    for pk in due_soon.values_list("pk", flat=True)[:BATCH]:
        with transaction.atomic():
            if Ticket.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now) != 1:
                continue
            ticket = Ticket.objects.select_related("handling_place").get(pk=pk)
            transaction.on_commit(partial(_remind, ticket))
        result.reminded += 1
    if result.supervised or result.reminded:
        log.info("ticket sweep: %s supervised, %s reminded", result.supervised, result.reminded)
    return result


def _remind(ticket: Any) -> None:
    from django.urls import reverse

    from linli.notify.services import notify
    from linli.tickets.notifications import handlers

    notify(
        users=handlers(ticket),
        kind="ticket.due_soon",
        title=f"诉求即将到期:{ticket.number}",
        body=f"{ticket.title}(时限 {timezone.localtime(ticket.resolve_due):%m-%d %H:%M})",
        link=reverse("tickets:detail", args=[ticket.pk]),
    )
