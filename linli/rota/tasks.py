"""Huey hooks: the day-before duty reminder, hourly (each shift reminds once, see ``reminders``)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="7"))
def rota_reminders_hourly() -> int:
    from linli.rota.reminders import remind_tomorrow

    return remind_tomorrow().reminded
