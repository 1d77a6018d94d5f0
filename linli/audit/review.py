"""The sensitive-access review (敏感信息访问审查): who revealed, exported, was refused or probed, per account.

等保 2.0 asks that audit records be *analysed*, not only kept. The log page answers "what happened"; this answers
"whose pattern should someone look at": for a period, per account (the username at the time), the full-number
reveals (and how many different residents, and how many at night), the exports of personal data, the permission
denials (an insider sweeping ids meets 404s), and the refusals the rate limits and the ID-number oracle guard gave.

One grouped statement over the ``(action, at)`` index, whatever the log's size. Definitions: docs/security.md,
"Sensitive-access review".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from linli.audit.actions import ACTION_LABELS
from linli.audit.models import AuditEvent
from linli.core.errors import InvalidInput

# The three services that show a full number (each needs a role with ``reveal`` and is rate-limited together).
REVEALS = ("resident.reveal", "workforce.certificate_revealed", "grants.contact_revealed")
DENIALS = ("permission.denied",)
REFUSALS = ("ratelimit.exceeded", "resident.id_number_refused")
NIGHT_FROM, NIGHT_UNTIL = 22, 7  # local hours (TIME_ZONE, Asia/Shanghai): 22:00–06:59
PROBING_DENIALS = 10  # denials in the period that read as a sweep rather than a mistyped link
MAX_DAYS = 366
MAX_ROWS = 200


def export_actions() -> tuple[str, ...]:
    """Every audited export (files leaving the system), including the audit log's own."""
    return tuple(sorted(code for code in ACTION_LABELS if code.endswith(("export", "exported"))))


FLAGS = {
    "night": gettext_noop("夜间查看完整号码"),
    "refused": gettext_noop("被限流或被拒"),
    "probing": gettext_noop("多次越权访问"),
}


@dataclass(frozen=True)
class AccountReview:
    actor: str
    reveals: int
    residents: int
    night: int
    exports: int
    denials: int
    refusals: int

    @property
    def flags(self) -> list[str]:
        found = []
        if self.night:
            found.append("night")
        if self.refusals:
            found.append("refused")
        if self.denials >= PROBING_DENIALS:
            found.append("probing")
        return found

    @property
    def flag_labels(self) -> list[str]:
        return [gettext(FLAGS[f]) for f in self.flags]


def review_period(since: dt.date | None, until: dt.date | None) -> tuple[dt.date, dt.date]:
    """The period asked for, by default the last 30 days; at most a year, ``since`` not after ``until``."""
    today = timezone.localdate()
    until = until or today
    since = since or until - dt.timedelta(days=29)
    if since > until:
        raise InvalidInput(gettext("开始日期晚于结束日期"), field="from")
    if (until - since).days >= MAX_DAYS:
        raise InvalidInput(gettext("审查区间不能超过一年"), field="to")
    return since, until


def sensitive_review(*, since: dt.date, until: dt.date) -> list[AccountReview]:
    """Accounts with any sensitive action in [since, until] (local days), most actions first."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(since, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    exports = export_actions()
    reveal = Q(action__in=REVEALS)
    rows = (
        AuditEvent.objects.filter(at__gte=start, at__lt=end, action__in=(*REVEALS, *exports, *DENIALS, *REFUSALS))
        .values("actor_label")
        .annotate(
            reveals=Count("id", filter=reveal),
            residents=Count("target_id", filter=Q(action="resident.reveal"), distinct=True),
            night=Count("id", filter=reveal & (Q(at__hour__gte=NIGHT_FROM) | Q(at__hour__lt=NIGHT_UNTIL))),
            exports=Count("id", filter=Q(action__in=exports)),
            denials=Count("id", filter=Q(action__in=DENIALS)),
            refusals=Count("id", filter=Q(action__in=REFUSALS)),
        )
        .annotate(total=F("reveals") + F("exports") + F("denials") + F("refusals"))
        .order_by("-total", "actor_label")[:MAX_ROWS]
    )
    return [
        AccountReview(
            actor=row["actor_label"],  # "" for calls made signed out (login floods)
            reveals=row["reveals"],
            residents=row["residents"],
            night=row["night"],
            exports=row["exports"],
            denials=row["denials"],
            refusals=row["refusals"],
        )
        for row in rows
    ]
