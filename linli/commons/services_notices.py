"""Publishing a quarter's 公示: the figures and entries of an ended quarter frozen in a ``Notice`` row.

Publishing locks the compound's ledger row like every entry does, so no entry can slip into the quarter while its
figures are being read; afterwards no entry may be dated in it (``services._check_day``). A quarter is published
once (a unique constraint backs the check); the published figures never change.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.commons import selectors as sel
from linli.commons.models import Notice
from linli.commons.periods import quarter_bounds
from linli.commons.services import NOTE_MAX, _require_recorder, locked_ledger, require_compound
from linli.core.dates import check_year
from linli.core.errors import Conflict, InvalidInput
from linli.core.text import clean_text
from linli.places.models import Place


@transaction.atomic
def notice_publish(*, actor: Any, compound: Place, year: Any, quarter: Any, note: Any = "") -> Notice:
    """Publish the compound's figures for an ended quarter to its owners (公示), frozen from now on."""
    require_compound(compound)
    _require_recorder(actor, compound)
    if isinstance(year, bool) or not isinstance(year, int):
        raise InvalidInput(_("请填写年份"), field="year")
    check_year(year)
    if isinstance(quarter, bool) or quarter not in (1, 2, 3, 4):
        raise InvalidInput(_("季度应为 1 到 4"), field="quarter")
    _first, last = quarter_bounds(year, quarter)
    if last >= timezone.localdate():
        raise InvalidInput(_("只能公示已经结束的季度"), field="quarter")
    text = clean_text(note, field="note", label=_("公示说明"), max_length=NOTE_MAX, required=False)
    ledger = locked_ledger(actor=actor, compound=compound)
    if Notice.objects.filter(ledger=ledger, year=year, quarter=quarter).exists():
        raise Conflict(_("%(year)d年第%(quarter)d季度已经公示") % {"year": year, "quarter": quarter}, field="quarter")
    summary = sel.quarter_summary(ledger, year, quarter)
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                ledger=ledger,
                place_path=ledger.place_path,
                year=year,
                quarter=quarter,
                opening_fen=summary.opening_fen,
                income_fen=summary.totals.income_fen,
                cost_fen=summary.totals.cost_fen,
                spent_fen=summary.totals.spent_fen,
                distributed_fen=summary.totals.distributed_fen,
                closing_fen=summary.closing_fen,
                months=[m.as_json() for m in summary.months],
                lines=[line.as_json() for line in summary.lines],
                note=text,
                published_by=actor,
            )
    except IntegrityError:
        raise Conflict(
            _("%(year)d年第%(quarter)d季度已经公示") % {"year": year, "quarter": quarter}, field="quarter"
        ) from None
    audit_record(
        action="commons.notice_published",
        actor=actor,
        target=notice,
        compound=compound.pk,
        year=year,
        quarter=quarter,
        income_fen=notice.income_fen,
        closing_fen=notice.closing_fen,
        entries=len(notice.lines),
    )
    return notice
