"""Mediation 调解: a case with parties and a mediator, its sessions, and an outcome with agreement text."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from linli.audit.services import audit_record
from linli.core.errors import Conflict, InvalidInput
from linli.core.text import clean_text
from linli.deliberation.models import MediationCase, MediationOutcome, MediationSession, MediationVenue
from linli.deliberation.permissions import require_any
from linli.deliberation.services_venues import check_venue_for
from linli.people.models import Person
from linli.places.models import Place

NOT_YOURS = gettext_noop("您的岗位无权办理此调解")  # translated where raised: _(NOT_YOURS)
MEDIATE = {"handle", "manage"}


def _day(value: dt.date, field: str) -> dt.date:
    if value > timezone.localdate():
        raise InvalidInput(_("日期不能晚于今天"), field=field)
    return value


@transaction.atomic
def mediation_open(
    *,
    actor: Any,
    place: Place,
    title: str,
    dispute: str,
    parties: list[str],
    mediator: Person,
    opened_on: dt.date,
    venue: MediationVenue | None = None,
) -> MediationCase:
    """``venue``: the 百姓评理说事点 where it is mediated, an active one of the place's community."""
    require_any(actor, place.path, MEDIATE, _(NOT_YOURS))
    check_venue_for(venue, place)
    names = [n.strip() for n in parties if n and n.strip()]
    if len(names) < 2:
        raise InvalidInput(_("调解至少需要两方当事人"), field="parties")
    if any(len(n) > 64 for n in names):
        raise InvalidInput(_("当事人名称不能超过 64 字"), field="parties")
    case = MediationCase.objects.create(
        place=place,
        place_path=place.path,
        title=clean_text(title, field="title", label=_("案件名称"), max_length=100),
        dispute=clean_text(dispute, field="dispute", label=_("纠纷情况"), max_length=5000),
        parties=names,
        mediator=mediator,
        opened_on=_day(opened_on, "opened_on"),
        created_by=actor,
        venue=venue,
    )
    audit_record(action="mediation.opened", actor=actor, target=case)
    return case


@transaction.atomic
def mediation_session_add(*, actor: Any, case: MediationCase, held_on: dt.date, note: str) -> MediationSession:
    require_any(actor, case.place_path, MEDIATE, _(NOT_YOURS))
    if case.outcome:
        raise Conflict(_("调解已结案"))
    if held_on < case.opened_on:
        raise InvalidInput(_("调解日期不能早于立案日期"), field="held_on")
    return MediationSession.objects.create(
        case=case,
        held_on=_day(held_on, "held_on"),
        note=clean_text(note, field="note", label=_("调解记录"), max_length=5000),
        recorded_by=actor,
    )


@transaction.atomic
def mediation_close(
    *, actor: Any, case: MediationCase, outcome: str, closed_on: dt.date, agreement: str = ""
) -> MediationCase:
    """Close with success (an agreement text is then required) or failure."""
    require_any(actor, case.place_path, MEDIATE, _(NOT_YOURS))
    case = MediationCase.objects.select_for_update().get(pk=case.pk)
    if case.outcome:
        raise Conflict(_("调解已结案"))
    if outcome not in (MediationOutcome.SUCCESS, MediationOutcome.FAILURE):
        raise InvalidInput(_("请选择调解结果"), field="outcome")
    if closed_on < case.opened_on:
        raise InvalidInput(_("结案日期不能早于立案日期"), field="closed_on")
    case.outcome = outcome
    case.closed_on = _day(closed_on, "closed_on")
    case.agreement = clean_text(
        agreement, field="agreement", label=_("调解协议"), max_length=5000, required=outcome == MediationOutcome.SUCCESS
    )
    case.save(update_fields=["outcome", "closed_on", "agreement"])
    audit_record(action="mediation.closed", actor=actor, target=case, outcome=outcome)
    return case
