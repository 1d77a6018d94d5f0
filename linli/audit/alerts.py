"""The morning alert of the sensitive-access review: the administrators hear, once a day, which accounts
yesterday's review flags (a reveal at night, a refusal, a sweep of denied ids), with a link to the review.

等保 2.0 asks for an alarm on important security events, not only a record an administrator may never open.
Run by ``audit.tasks.audit_review_alert_daily`` (07:10 Beijing time); idempotent per day (the link names the day,
and a day already told is not told again), so a worker that runs it twice sends one message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from linli.audit.review import sensitive_review

KIND = "security.review"
LISTED = 10  # accounts named in the message; the link shows them all


def administrators() -> QuerySet[Any]:
    """Active system administrators: superusers and holders, today, of a position granting ``admin``."""
    from linli.accounts.models import User
    from linli.people.models import Position
    from linli.people.positions import POSITION_KINDS

    kinds = [kind for kind, spec in POSITION_KINDS.items() if spec.scoped and "admin" in spec.capabilities]
    today = timezone.localdate()
    holders = Position.objects.filter(kind__in=kinds, start_date__lte=today).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )
    return User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(person_id__in=holders.values("person_id"))
    )


def review_alert(*, day: dt.date) -> int:
    """Tell the administrators which accounts ``day``'s review flags; returns how many were told (0 when none
    is flagged or the day was told already)."""
    from linli.notify.models import Notification
    from linli.notify.services import notify

    flagged = [row for row in sensitive_review(since=day, until=day) if row.flags]
    if not flagged:
        return 0
    link = f"/audit/review/?from={day:%Y-%m-%d}&to={day:%Y-%m-%d}"
    if Notification.objects.filter(kind=KIND, link=link).exists():
        return 0
    title = ngettext(
        "%(day)s 敏感信息访问审查:%(n)d 个账号被标记",
        "%(day)s 敏感信息访问审查:%(n)d 个账号被标记",
        len(flagged),
    ) % {"day": f"{day:%Y-%m-%d}", "n": len(flagged)}
    lines = [f"{row.actor or gettext('(未登录)')}:{gettext('、').join(row.flag_labels)}" for row in flagged[:LISTED]]
    if len(flagged) > LISTED:
        lines.append(gettext("另有 %(n)d 个账号,见审查页") % {"n": len(flagged) - LISTED})
    return notify(users=administrators(), kind=KIND, title=title, body="\n".join(lines), link=link)
