"""Huey hook: the morning alert of yesterday's sensitive-access review (``audit.alerts``)."""

from __future__ import annotations

import datetime as dt

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="7", minute="10"))
def audit_review_alert_daily() -> int:
    from django.utils import timezone

    from linli.audit.alerts import review_alert

    return review_alert(day=timezone.localdate() - dt.timedelta(days=1))
