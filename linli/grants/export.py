"""A round's applications as an Excel sheet (.xlsx) for the street's records and the 立项 meeting: every
application with its organisation, communities, amounts in 元, reviewers' average score, decision, payments,
people served and evaluation. The contact's phone is masked, as on the pages. Exporting is audited."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.grants import selectors as sel
from linli.grants.models import GrantProject, GrantRound
from linli.grants.money import yuan_plain
from linli.grants.permissions import require_run
from linli.people.sheets import write_xlsx


def headers() -> list[str]:
    return [
        _("序号"),
        _("申报单位"),
        _("项目名称"),
        _("服务领域"),
        _("服务社区"),
        _("申请金额(元)"),
        _("计划服务人次"),
        _("平均分"),
        _("评分人数"),
        _("状态"),
        _("立项金额(元)"),
        _("已拨付(元)"),
        _("已服务人次"),
        _("开展活动次数"),
        _("结项等级"),
        _("决定意见"),
        _("联系人"),
        _("联系电话"),
        _("申报时间"),
    ]


def _rows(projects: list[GrantProject]) -> Iterator[list[Any]]:
    for n, p in enumerate(projects, start=1):
        avg = getattr(p, "avg_score", None)
        yield [
            n,
            p.organisation.name,
            p.title,
            p.get_service_field_display(),
            _("、").join(c.place.name for c in p.served.all()),
            yuan_plain(p.requested_fen),
            p.planned_beneficiaries,
            round(avg, 1) if avg is not None else "",
            getattr(p, "score_count", 0),
            p.get_status_display(),
            yuan_plain(p.granted_fen),
            yuan_plain(p.paid_fen),
            p.served_total,
            p.activities_total,
            p.get_grade_display() if p.grade else "",
            p.decision_note,
            p.contact_name,
            sel.masked_phone(p),
            timezone.localtime(p.created_at).strftime("%Y-%m-%d %H:%M"),
        ]


def round_projects_for_export(round_: GrantRound) -> list[GrantProject]:
    qs = sel.scored(GrantProject.objects.filter(round=round_)).select_related("organisation")
    return list(sel.with_communities(qs).order_by(F("avg_score").desc(nulls_last=True), "id"))


def round_export(*, actor: Any, round_: GrantRound, request: HttpRequest | None = None) -> bytes:
    """The sheet of a round, for those who run it (audited with the number of rows)."""
    require_run(actor, round_.place_path, _("只有本轮所属街道(区)的工作人员可以导出申报情况"))
    projects = round_projects_for_export(round_)
    buffer = io.BytesIO()
    count = write_xlsx(buffer, _("申报与立项"), headers(), _rows(projects))
    audit_record(action="grants.round_exported", actor=actor, target=round_, request=request, rows=count)
    return buffer.getvalue()
