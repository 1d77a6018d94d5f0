"""Background delivery: the outbox of SMS and group-robot messages, and the 15-minute sweep other apps plug into.

Tasks carry ids, never phone numbers or webhook keys: the Huey store is not encrypted. A task only
speeds a message up; the ``Delivery`` table is the source of truth, so a task lost with a killed
worker costs nothing: the every-minute drain finds the row.
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from linli.notify.sweeps import register_sweep, run_sweeps

__all__ = [
    "deliveries_every_minute",
    "delivery_send_task",
    "register_sweep",
    "robot_deliver_task",
    "sms_send_task",
    "sweep_every_15_minutes",
]

log = logging.getLogger("linli.notify")


@db_task()
def delivery_send_task(delivery_id: int) -> None:
    """Send one outbox row now (if still due); failures are rescheduled in the table, not by Huey."""
    from linli.notify.outbox import deliveries_claim, delivery_send

    for pk in deliveries_claim(delivery_id=delivery_id, limit=1):
        delivery_send(delivery_id=pk)


@db_periodic_task(crontab(minute="*"))
def deliveries_every_minute() -> None:
    """Recover rows whose worker died mid-send (lease over) and send everything due (retries, lost tasks)."""
    from linli.notify.outbox import deliveries_drain

    outcome = deliveries_drain()
    if outcome.recovered or outcome.failed:
        log.warning("outbox: %s recovered (lease over), %s failed for good", outcome.recovered, outcome.failed)


@db_task()
def sms_send_task(person_id: int, text: str) -> None:
    """Tasks queued before the outbox existed (an upgrade with a full queue): moved into the outbox."""
    from django.db import transaction

    from linli.notify.models import DeliveryChannel
    from linli.notify.outbox import delivery_add

    with transaction.atomic():
        delivery_add(channel=DeliveryChannel.SMS, text=text, person_id=person_id)


@db_task()
def robot_deliver_task(hook_id: int, text: str) -> None:
    """Tasks queued before the outbox existed: moved into the outbox."""
    from django.db import transaction

    from linli.notify.models import DeliveryChannel
    from linli.notify.outbox import delivery_add

    with transaction.atomic():
        delivery_add(channel=DeliveryChannel.ROBOT, text=text, hook_id=hook_id)


@db_periodic_task(crontab(minute="*/15"))
def sweep_every_15_minutes() -> None:
    outcome = run_sweeps()
    failed = [name for name, ok in outcome.items() if not ok]
    if failed:
        log.warning("sweeps failed: %s", ", ".join(failed))
