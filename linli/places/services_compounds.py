"""小区档案 and the grid-size standard: the two writes of compound profiles and grid standards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import InvalidInput
from linli.places.models import CompoundProfile, CompoundType, GridStandard, ManagementMode, Place, PlaceKind
from linli.places.services import _require_manage


def _choice(value: Any, choices: type[Any], *, field: str, message: str) -> str:
    value = str(value or "").strip()
    if value not in choices.values:
        raise InvalidInput(message, field=field)
    return value


def _built_year(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        year = int(str(value).strip())
    except ValueError:
        raise InvalidInput(_("建成年份应为四位数字,如 1998"), field="built_year") from None
    if not 1900 <= year <= timezone.localdate().year:
        raise InvalidInput(_("建成年份应在 1900 年到今年之间,收到 %(year)s") % {"year": year}, field="built_year")
    return year


@transaction.atomic
def compound_profile_set(
    *, actor: Any, compound: Place, compound_type: str, management_mode: str, built_year: Any = None
) -> CompoundProfile:
    """Record or change a compound's type, management mode and year built. Audited with what changed."""
    if compound.kind != PlaceKind.COMPOUND:
        raise InvalidInput(_("只有小区/里巷可以登记小区档案"), field="compound")
    _require_manage(actor, compound)
    values = {
        "compound_type": _choice(compound_type, CompoundType, field="compound_type", message=_("请选择小区类型")),
        "management_mode": _choice(
            management_mode, ManagementMode, field="management_mode", message=_("请选择管理方式")
        ),
        "built_year": _built_year(built_year),
    }
    profile = CompoundProfile.objects.select_for_update().filter(compound=compound).first()
    if profile is None:
        profile = CompoundProfile.objects.create(compound=compound, place_path=compound.path, **values)
        changed = sorted(values)
    else:
        changed = sorted(k for k, v in values.items() if getattr(profile, k) != v)
        if not changed:
            return profile
        for k, v in values.items():
            setattr(profile, k, v)
        profile.save(update_fields=[*changed, "updated_at"])
    audit_record(action="places.compound_profile_set", actor=actor, target=compound, changed=changed)
    return profile


@dataclass(frozen=True)
class Band:
    households_min: int
    households_max: int
    residents_min: int
    residents_max: int


def _count(value: Any, *, field: str) -> int:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput(_("请填写整数"), field=field) from None
    if n < 0 or n > 1_000_000:
        raise InvalidInput(_("应在 0 到 1000000 之间"), field=field)
    return n


def grid_standard_band(**raw: Any) -> Band:
    """The four bounds of a standard from a form or payload, each checked, and min ≤ max."""
    band = Band(**{k: _count(raw.get(k), field=k) for k in Band.__dataclass_fields__})
    if band.households_min > band.households_max:
        raise InvalidInput(_("户数下限不能大于上限"), field="households_min")
    if band.residents_min > band.residents_max:
        raise InvalidInput(_("人数下限不能大于上限"), field="residents_min")
    return band


def _standard_place_and_type(actor: Any, place: Place, compound_type: str) -> str:
    if place.kind not in (PlaceKind.DISTRICT, PlaceKind.STREET):
        raise InvalidInput(_("网格划分标准只能在区或街道一级设定"), field="place")
    _require_manage(actor, place)
    return _choice(compound_type, CompoundType, field="compound_type", message=_("请选择小区类型"))


@transaction.atomic
def grid_standard_set(*, actor: Any, place: Place, compound_type: str, band: Band) -> GridStandard:
    """Set the grid-size standard for one compound type in a district or street (its whole subtree). A
    resubmit with nothing changed writes and audits nothing."""
    kind = _standard_place_and_type(actor, place, compound_type)
    same = GridStandard.objects.select_for_update().filter(place=place, compound_type=kind, **band.__dict__).first()
    if same is not None:
        return same
    standard, _created = GridStandard.objects.update_or_create(place=place, compound_type=kind, defaults=band.__dict__)
    audit_record(action="places.grid_standard_set", actor=actor, target=place, compound_type=kind, **band.__dict__)
    return standard


@transaction.atomic
def grid_standard_clear(*, actor: Any, place: Place, compound_type: str) -> None:
    """Drop a place's own standard for one type: the ancestor's (or the seed's default) applies again."""
    kind = _standard_place_and_type(actor, place, compound_type)
    deleted, _rows = GridStandard.objects.filter(place=place, compound_type=kind).delete()
    if deleted:
        audit_record(action="places.grid_standard_cleared", actor=actor, target=place, compound_type=kind)
