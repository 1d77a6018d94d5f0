"""The register as .xlsx (社区工作者花名册): one row per worker the exporter may see under a node. The pay grade
and the certificate number are columns only for the street's keepers (``permissions.sees_grade``); a community's
staff get the sheet without them. Each export is an audit event (``workforce.exported``) saying whether grades
were in it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Forbidden
from linli.people.sheets import write_xlsx
from linli.places.models import Place
from linli.workforce.permissions import keeps_street, may_see_figures
from linli.workforce.selectors import register

CHUNK = 500


def columns(with_grades: bool) -> list[str]:
    head = [_("姓名"), _("所在社区"), _("岗位"), _("岗别")]
    if with_grades:
        head.append(_("薪酬等级"))
    head += [_("用工类型"), _("入职日期"), _("离职日期"), _("离职原因"), _("学历"), _("职业资格")]
    if with_grades:
        head.append(_("证书编号"))
    return [*head, _("全科社工培训"), _("本年培训学时")]


def rows(qs: Any, with_grades: bool) -> Iterator[list[Any]]:
    for w in qs.iterator(chunk_size=CHUNK):
        row: list[Any] = [w.person.name, w.place.name, w.post_label, w.tier_label]
        if with_grades:
            row.append(w.grade)
        row += [
            w.employment_label,
            w.hired_on.isoformat(),
            w.left_on.isoformat() if w.left_on else "",
            w.leave_reason_label,
            w.education_label,
            w.qualification_label,
        ]
        if with_grades:
            row.append(w.certificate_no)
        row += [_("已参加") if w.generalist else _("未参加"), float(w.year_hours)]
        yield row


def register_workbook(*, actor: Any, node: Place, status: str = "active", request: Any = None) -> bytes:
    """The register under ``node`` (a street or community the actor manages), written after the check; audited."""
    if not may_see_figures(actor, node):
        raise Forbidden(_("您的岗位无权导出“%(place)s”的社区工作者台账") % {"place": node.name})
    with_grades = keeps_street(actor, node.path)
    qs = register(actor, node=node, status=status).order_by("place_path", "person__name", "pk")
    out = io.BytesIO()
    title = "".join(c for c in f"{node.name[:20]}社区工作者" if c not in "[]:*?/\\")
    count = write_xlsx(out, title, columns(with_grades), rows(qs, with_grades))
    audit_record(
        action="workforce.exported",
        actor=actor,
        request=request,
        target=node,
        status=status,
        rows=count,
        with_grades=with_grades,
        on=timezone.localdate().isoformat(),
    )
    return out.getvalue()
