"""Huey hooks: the day-before booking reminder, hourly in the daytime (each booking reminds once, see
``reminders``), which also releases the guard rows of time gone by; and the lapse of requests nobody decided
before they began, every quarter hour."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="17", hour="8-21"))
def venues_reminders_hourly() -> int:
    from linli.venues.reminders import remind_tomorrow

    return remind_tomorrow().reminded


@db_periodic_task(crontab(minute="*/15"))
def venues_expire_unanswered() -> int:
    """Requests nobody approved or rejected before they began lapse (逾期未审核), every quarter hour."""
    from linli.venues.services_bookings import expire_unanswered

    return expire_unanswered()
