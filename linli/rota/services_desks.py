"""Setting up and keeping a duty desk (值班台): one per community or street, by those who manage that place.

Each function is one transaction with one audit event; saving a desk unchanged records nothing, and setting up a
desk the place already has answers with it (a double submit makes one desk).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Forbidden, InvalidInput
from linli.core.identifiers import normalise_contact_phone
from linli.core.text import clean_text, whole_number
from linli.places.models import Place, PlaceKind
from linli.rota.models import DutyDesk
from linli.rota.permissions import may_manage_place

NAME_MAX = 64
LOCATION_MAX = 100
REQUIRED_MAX = 10
WINDOW_MIN, WINDOW_MAX = 1, 365
DESK_KINDS = (PlaceKind.COMMUNITY, PlaceKind.STREET)


@dataclass(frozen=True)
class DeskFields:
    """What a desk says, as typed into the form or sent to the API (``None``: the default)."""

    phone: Any
    location: Any
    name: Any = ""
    opens_at: dt.time | None = None
    closes_at: dt.time | None = None
    required_people: Any = None
    comp_window_days: Any = None
    active: bool = True


def clean_desk(place: Place, fields: DeskFields) -> dict[str, Any]:
    phone = normalise_contact_phone(str(fields.phone or ""), field="phone")
    if not phone:
        raise InvalidInput(_("请填写%(label)s") % {"label": _("值班电话")}, field="phone")
    opens = fields.opens_at or dt.time(9, 0)
    closes = fields.closes_at or dt.time(17, 0)
    if opens >= closes:
        raise InvalidInput(_("结束时间须晚于开始时间"), field="closes_at")
    default_name = _("%(place)s党群服务中心") % {"place": place.name}
    return {
        "name": clean_text(fields.name or default_name, field="name", label=_("名称"), max_length=NAME_MAX),
        "phone": phone,
        "location": clean_text(fields.location, field="location", label=_("地点"), max_length=LOCATION_MAX),
        "opens_at": opens,
        "closes_at": closes,
        "required_people": whole_number(
            fields.required_people,
            field="required_people",
            label=_("每个休息日值班人数"),
            low=1,
            high=REQUIRED_MAX,
            default=1,
        ),
        "comp_window_days": whole_number(
            fields.comp_window_days,
            field="comp_window_days",
            label=_("调休期限(天)"),
            low=WINDOW_MIN,
            high=WINDOW_MAX,
            default=30,
        ),
        "active": bool(fields.active),
    }


def _require_manage(actor: Any, place: Place) -> None:
    if not may_manage_place(actor, place.path):
        raise Forbidden(_("您的岗位无权设置“%(place)s”的值班台") % {"place": place.name})


@transaction.atomic
def desk_create(*, actor: Any, place: Place, fields: DeskFields) -> tuple[DutyDesk, bool]:
    """Set up the desk of a community or street: ``(desk, created)``; one it has already is the answer."""
    if place.kind not in DESK_KINDS:
        raise InvalidInput(_("值班台设在社区或街道,请选择一个社区或街道"), field="place_id")
    _require_manage(actor, place)
    values = clean_desk(place, fields)
    existing = DutyDesk.objects.filter(place=place).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            desk = DutyDesk.objects.create(place=place, place_path=place.path, created_by=actor, **values)
    except IntegrityError:  # the same desk set up twice at once
        return DutyDesk.objects.get(place=place), False
    audit_record(action="rota.desk_created", actor=actor, target=desk, place=place.pk, required=desk.required_people)
    return desk, True


DESK_FIELDS = ("name", "phone", "location", "opens_at", "closes_at", "required_people", "comp_window_days", "active")


@transaction.atomic
def desk_update(*, actor: Any, desk: DutyDesk, fields: DeskFields) -> DutyDesk:
    """Rewrite a desk (every field as given). A changed comp-day window applies to shifts checked in from now on:
    a shift's deadline is fixed when it is earned."""
    place = Place.objects.get(pk=desk.place_id)
    _require_manage(actor, place)
    values = clean_desk(place, fields)
    locked = DutyDesk.objects.select_for_update().get(pk=desk.pk)
    changed = [name for name in DESK_FIELDS if getattr(locked, name) != values[name]]
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, values[name])
    locked.save(update_fields=[*changed, "updated_at"])
    audit_record(action="rota.desk_updated", actor=actor, target=locked, changed=changed)
    return locked
