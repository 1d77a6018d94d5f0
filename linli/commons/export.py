"""A compound's shared-income ledger as an Excel sheet (.xlsx), for the owners' committee and the street's records:
every entry with its period, payer, payee, receipt, evidence and the vote or approval behind it, amounts in 元
(what it did to the balance, and the balance after it). Exporting is audited with the number of rows."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.commons import selectors as sel
from linli.commons.models import Entry
from linli.commons.permissions import sees_ledger
from linli.core.errors import NotFound
from linli.core.scoping import NOT_FOUND_MESSAGE
from linli.grants.money import yuan_plain
from linli.people.sheets import write_xlsx
from linli.places.models import Place

EXPORT_MAX = 100_000


def headers() -> list[str]:
    return [
        _("序号"),
        _("入账日期"),
        _("类别"),
        _("明细"),
        _("金额(元)"),
        _("余额(元)"),
        _("摘要"),
        _("所属期间"),
        _("缴款单位"),
        _("收款方"),
        _("票据号"),
        _("成本依据"),
        _("业主表决"),
        _("业委会书面同意"),
        _("冲正的记录"),
        _("冲正原因"),
        _("记录人"),
        _("记录时间"),
    ]


def _recorder(entry: Entry) -> str:
    person = getattr(entry.recorded_by, "person", None)
    return str(person.name) if person is not None else entry.recorded_by.get_username()


def _rows(entries: list[Entry]) -> Iterator[list[Any]]:
    for n, e in enumerate(entries, start=1):
        period = f"{e.period_start.isoformat()}~{e.period_end.isoformat()}" if e.period_start and e.period_end else ""
        yield [
            n,
            e.occurred_on.isoformat(),
            e.kind_label,
            e.category_label,
            yuan_plain(e.effect_fen),
            yuan_plain(e.balance_after),
            e.summary,
            period,
            e.payer.name if e.payer is not None else "",
            e.counterparty,
            e.receipt_no,
            e.evidence,
            e.vote.title if e.vote is not None else "",
            e.approval_note,
            f"#{e.reverses_id}" if e.reverses_id else "",
            e.reason,
            _recorder(e),
            timezone.localtime(e.recorded_at).strftime("%Y-%m-%d %H:%M"),
        ]


def ledger_export(*, actor: Any, compound: Place, request: HttpRequest | None = None) -> bytes:
    """The compound's ledger, oldest first, for those who read it in full (audited)."""
    if not sees_ledger(actor, compound.path):
        raise NotFound(_(NOT_FOUND_MESSAGE))
    entries = list(sel.entries_of(compound).order_by("occurred_on", "id")[:EXPORT_MAX])
    buffer = io.BytesIO()
    count = write_xlsx(buffer, _("公共收益台账"), headers(), _rows(entries))
    ledger = sel.ledger_of(compound)
    audit_record(
        action="commons.ledger_exported",
        actor=actor,
        target=ledger if ledger is not None else compound,
        request=request,
        compound=compound.pk,
        rows=count,
    )
    return buffer.getvalue()
