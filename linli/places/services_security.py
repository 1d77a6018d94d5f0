"""四层防控圈 register: the writes. A compound's smart facilities (智能门禁, 人脸识别, 安防监控 …) are recorded
ring by ring as batches — a kind, how many, the day installed — corrected when a batch was recorded wrong, and
retired (the day it stopped) when taken out of service; a retired batch stays in the register and no longer covers
its ring.

Only those who manage the compound write (its community's staff and secretary, the street's staff and leaders, an
administrator): a grid worker or another community's staff is refused. Each write is audited; a resubmit with
nothing changed writes and audits nothing; a create carries an idempotency key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.dates import require_day
from linli.core.errors import Conflict, InvalidInput
from linli.core.idempotency import clean_key, create_once
from linli.core.text import clean_text, whole_number
from linli.places.models import DefenceRing, Place, PlaceKind, SecurityFacility, SecurityFacilityKind
from linli.places.services import _require_manage

QUANTITY_MAX = 10_000
NOTE_MAX = 200
FIELDS = ("ring", "kind", "quantity", "installed_on", "note")


@dataclass(frozen=True)
class FacilityInput:
    """A batch as a form or a payload gives it (raw): each value is checked by ``clean``."""

    ring: Any
    kind: Any
    quantity: Any
    installed_on: Any
    note: Any = ""


def _not_future(day: dt.date, *, field: str, message: str) -> dt.date:
    if day > timezone.localdate():
        raise InvalidInput(message, field=field)
    return day


def clean(data: FacilityInput) -> dict[str, Any]:
    """The batch's columns, each refused with its field named."""
    ring = str(data.ring or "").strip()
    if ring not in DefenceRing.values:
        raise InvalidInput(_("请选择防控圈"), field="ring")
    kind = str(data.kind or "").strip()
    if kind not in SecurityFacilityKind.values:
        raise InvalidInput(_("请选择设施类型"), field="kind")
    installed = require_day(data.installed_on, "installed_on")
    return {
        "ring": ring,
        "kind": kind,
        "quantity": whole_number(data.quantity, field="quantity", label=_("数量"), low=1, high=QUANTITY_MAX),
        "installed_on": _not_future(installed, field="installed_on", message=_("安装日期不能晚于今天")),
        "note": clean_text(data.note, field="note", label=_("备注"), max_length=NOTE_MAX, required=False),
    }


def _require_compound(place: Place) -> None:
    if place.kind != PlaceKind.COMPOUND:
        raise InvalidInput(_("只有小区/里巷可以登记防控圈设施"), field="compound")


@transaction.atomic
def security_facility_add(
    *, actor: Any, compound: Place, data: FacilityInput, idempotency_key: str = ""
) -> tuple[SecurityFacility, bool]:
    """Record a batch of facilities in one ring of a compound: ``(facility, created)``. A resubmit under the same
    key answers with the first batch (``created`` false)."""
    _require_compound(compound)
    _require_manage(actor, compound)
    values = clean(data)
    key = clean_key(idempotency_key)

    def create() -> SecurityFacility:
        return SecurityFacility.objects.create(
            compound=compound, place_path=compound.path, created_by=actor, idempotency_key=key, **values
        )

    facility, created = create_once(
        earlier=SecurityFacility.objects.filter(created_by=actor),
        key=key,
        create=create,
        same=lambda e: e.compound_id == compound.pk and all(getattr(e, k) == v for k, v in values.items()),
        refusal=lambda e: _("这个 Idempotency-Key 已用于另一条设施登记"),
    )
    if created:
        audit_record(
            action="places.security_facility_added",
            actor=actor,
            target=compound,
            facility=facility.pk,
            ring=facility.ring,
            kind=facility.kind,
            quantity=facility.quantity,
            installed_on=facility.installed_on.isoformat(),
        )
    return facility, created


def _locked(actor: Any, facility: SecurityFacility) -> tuple[SecurityFacility, Place]:
    locked = SecurityFacility.objects.select_for_update().get(pk=facility.pk)
    compound = Place.objects.get(pk=locked.compound_id)
    _require_manage(actor, compound)
    if locked.retired_on is not None:
        raise Conflict(_("这批设施已于 %(day)s 停用,不能再修改") % {"day": locked.retired_on.isoformat()})
    return locked, compound


@transaction.atomic
def security_facility_update(*, actor: Any, facility: SecurityFacility, data: FacilityInput) -> SecurityFacility:
    """Correct a batch still in service (its ring, kind, quantity, day installed or note). Audited with what
    changed; nothing changed writes and audits nothing."""
    locked, compound = _locked(actor, facility)
    values = clean(data)
    changed = [k for k in FIELDS if getattr(locked, k) != values[k]]
    if not changed:
        return locked
    for k in changed:
        setattr(locked, k, values[k])
    locked.save(update_fields=[*changed, "updated_at"])
    audit_record(
        action="places.security_facility_updated", actor=actor, target=compound, facility=locked.pk, changed=changed
    )
    return locked


@transaction.atomic
def security_facility_retire(*, actor: Any, facility: SecurityFacility, retired_on: Any) -> SecurityFacility:
    """Take a batch out of service from ``retired_on`` (that day on it no longer covers its ring). The row stays: the
    register as it stood before that day still shows it."""
    locked, compound = _locked(actor, facility)
    day = _not_future(require_day(retired_on, "retired_on"), field="retired_on", message=_("停用日期不能晚于今天"))
    if day < locked.installed_on:
        raise InvalidInput(
            _("停用日期不能早于安装日期 %(day)s") % {"day": locked.installed_on.isoformat()}, field="retired_on"
        )
    locked.retired_on = day
    locked.save(update_fields=["retired_on", "updated_at"])
    audit_record(
        action="places.security_facility_retired",
        actor=actor,
        target=compound,
        facility=locked.pk,
        ring=locked.ring,
        kind=locked.kind,
        retired_on=day.isoformat(),
    )
    return locked
