"""Reading the audit log: one filter used by the page and the exports."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from linli.audit.models import AuditEvent
from linli.core.dates import parse_day
from linli.core.errors import Forbidden, InvalidInput
from linli.core.scoping import scope_for


def require_auditor(user: Any) -> None:
    """The audit log, its exports and its review are the system administrators' (403 for everyone else)."""
    if not scope_for(user).everything:
        raise Forbidden(gettext("只有系统管理员可以查看审计日志"))


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    target: str = ""
    outcome: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def as_detail(self) -> dict[str, str]:
        return {k: str(v) for k, v in asdict(self).items() if v not in ("", None)}


def _date(raw: str, field: str) -> dt.date | None:
    return parse_day(raw, field)


def audit_filter_from(params: dict[str, str]) -> AuditFilter:
    """Parse query parameters; bad dates raise ``InvalidInput`` naming the field."""
    outcome = (params.get("outcome") or "").strip()
    date_from = _date(params.get("from", ""), "from")
    date_to = _date(params.get("to", ""), "to")
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(gettext("开始日期晚于结束日期"), field="from")
    return AuditFilter(
        actor=(params.get("actor") or "").strip()[:150],
        action=(params.get("action") or "").strip()[:64],
        target=(params.get("target") or "").strip()[:200],
        outcome=outcome if outcome in ("ok", "fail") else "",
        date_from=date_from,
        date_to=date_to,
    )


def audit_events(flt: AuditFilter) -> QuerySet[AuditEvent]:
    """Events matching the filter (newest first). Dates are local (Asia/Shanghai) calendar days."""
    qs = AuditEvent.objects.all()
    if flt.action:
        qs = qs.filter(action__startswith=flt.action)
    if flt.actor:
        qs = qs.filter(actor_label=flt.actor)
    if flt.target:
        kind, _, ident = flt.target.partition(":")
        if ident and "." in kind:
            qs = qs.filter(target_type=kind, target_id=ident)
        else:
            qs = qs.filter(Q(target_label__icontains=flt.target) | Q(target_type=flt.target))
    if flt.outcome:
        qs = qs.filter(success=flt.outcome == "ok")
    tz = timezone.get_current_timezone()
    if flt.date_from:
        qs = qs.filter(at__gte=dt.datetime.combine(flt.date_from, dt.time.min, tzinfo=tz))
    if flt.date_to:
        qs = qs.filter(at__lt=dt.datetime.combine(flt.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return qs.order_by("-id")
