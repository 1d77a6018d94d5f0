"""Background delivery: SMS, group robots, and the 15-minute sweep other apps plug into.

Tasks carry ids, never phone numbers or webhook keys: the Huey store is not encrypted.
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from linli.notify.sweeps import register_sweep, run_sweeps

__all__ = ["register_sweep", "robot_deliver_task", "sms_send_task", "sweep_every_15_minutes"]

log = logging.getLogger("linli.notify")


@db_task(retries=3, retry_delay=60, retry_backoff=2)
def sms_send_task(person_id: int, text: str) -> None:
    from linli.notify.services import sms_deliver

    sms_deliver(person_id=person_id, text=text)


@db_task(retries=3, retry_delay=60, retry_backoff=2)
def robot_deliver_task(hook_id: int, text: str) -> None:
    from linli.notify.services import webhook_deliver

    webhook_deliver(hook_id=hook_id, text=text)


@db_periodic_task(crontab(minute="*/15"))
def sweep_every_15_minutes() -> None:
    outcome = run_sweeps()
    failed = [name for name, ok in outcome.items() if not ok]
    if failed:
        log.warning("sweeps failed: %s", ", ".join(failed))
