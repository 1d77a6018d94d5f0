"""Huey hooks: the day-before booking reminder, hourly in the daytime (each booking reminds once, see
``reminders``), which also releases the guard rows of time gone by."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="17", hour="8-21"))
def venues_reminders_hourly() -> int:
    from linli.venues.reminders import remind_tomorrow

    return remind_tomorrow().reminded
