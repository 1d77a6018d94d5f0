"""Writes of venues: set one up, change its type, hours, rules and details, suspend or reopen it.

Each function is one transaction with its audit event. Setting up needs ``manage`` at the place (a street, a
community or a compound); changing needs ``manage`` there or being the owning organisation's liaison
(``linli.venues.permissions``), who may not hand the venue to another owner. A create retried under its
idempotency key answers with the first venue; saving a venue unchanged records nothing. Bookings are
``services_bookings``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from linli.audit.services import audit_record
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.idempotency import clean_key, create_once
from linli.core.identifiers import normalise_contact_phone
from linli.core.text import clean_text, whole_number
from linli.places.models import Place
from linli.venues.models import Purpose, Venue, VenueStatus, VenueType
from linli.venues.opening import clean_hours
from linli.venues.permissions import OWNER_KINDS, VENUE_PLACE_KINDS, may_create_at, may_manage_place, may_manage_venue

NAME_MAX = 60
ADDRESS_MAX = 200
NOTICE_MAX = 500
FACILITY_MAX = 20
FACILITIES_MAX = 20
CAPACITY_MAX = 2000
MAX_HOURS_MAX = 12
DAYS_AHEAD_MAX = 60
PER_PERSON_MAX = 20
SLOT_CHOICES = (30, 60)

# The facilities the form offers as tick boxes (stored in Chinese like every seeded word; others are typed).
FACILITIES = [
    gettext_noop("投影"),
    gettext_noop("音响"),
    gettext_noop("话筒"),
    gettext_noop("桌椅"),
    gettext_noop("空调"),
    gettext_noop("电视屏"),
    gettext_noop("白板"),
    gettext_noop("无线网络"),
    gettext_noop("饮水"),
    gettext_noop("无障碍通道"),
]


@dataclass(frozen=True)
class VenueFields:
    """What a venue form or the API sends; every value is checked by ``clean``. ``hours``: seven
    ``(opens, closes)`` pairs, Monday first, blank both for a closed day."""

    name: Any
    capacity: Any
    purposes: Any
    hours: Any
    organisation: Any = None  # an orgs.Organisation opening its hall (双向开放); None: the place's own
    address: Any = ""
    facilities: Any = ()
    open_on_holidays: bool = False
    slot_minutes: Any = 30
    max_hours: Any = 4
    days_ahead: Any = 14
    requires_approval: bool = True
    max_per_person: Any = 3
    public: bool = True
    contact_phone: Any = ""
    notice: Any = ""
    kind: Any = None  # a VenueType code; None: 其他 for a new venue, unchanged for an existing one


def venue_type(raw: Any) -> str | None:
    """A 场地类型 code, or None when none is given; anything else is refused on the field ``kind``."""
    if raw is None or raw == "":
        return None
    if raw not in VenueType.values:
        raise InvalidInput(_("请从列表中选择场地类型"), field="kind")
    return str(raw)


def _facilities(raw: Any) -> list[str]:
    items = [raw] if isinstance(raw, str) else list(raw or [])
    out: list[str] = []
    for item in items:
        for part in str(item or "").replace(",", "、").replace(",", "、").split("、"):
            text = part.strip()
            if not text or text in out:
                continue
            if len(text) > FACILITY_MAX:
                raise InvalidInput(
                    _("设施“%(text)s”不能超过 %(n)d 字") % {"text": text[:30], "n": FACILITY_MAX}, field="facilities"
                )
            out.append(text)
    if len(out) > FACILITIES_MAX:
        raise InvalidInput(_("设施最多填写 %(n)d 项") % {"n": FACILITIES_MAX}, field="facilities")
    return out


def _purposes(raw: Any) -> str:
    codes = [raw] if isinstance(raw, str) else list(raw or [])
    chosen = [c for c in Purpose.values if c in {str(x).strip() for x in codes}]
    unknown = {str(x).strip() for x in codes} - set(Purpose.values) - {""}
    if unknown or not chosen:
        raise InvalidInput(_("请选择场地可用于的活动类别"), field="purposes")
    return "," + ",".join(chosen) + ","


def check_owner(place: Place, organisation: Any) -> None:
    """An owner is a partner unit, social organisation or department registered at, above or below the place,
    or serving it (or a place above it)."""
    if organisation is None:
        return
    if organisation.kind not in OWNER_KINDS:
        raise InvalidInput(_("开放场地的单位须是共建单位、社会组织或职能部门"), field="organisation_id")
    home = organisation.place_path
    if place.path.startswith(home) or home.startswith(place.path):
        return
    if organisation.serves.filter(path__in=[place.path[:i] for i in range(4, len(place.path) + 1, 4)]).exists():
        return
    raise InvalidInput(_("“%(org)s”不在本辖区登记或服务本辖区") % {"org": organisation.name}, field="organisation_id")


def clean(fields: VenueFields) -> dict[str, Any]:
    """The venue's columns from the submitted fields, each refused with its field named."""
    slot = whole_number(fields.slot_minutes, field="slot_minutes", label=_("预约时间单位(分钟)"), low=30, high=60)
    if slot not in SLOT_CHOICES:
        raise InvalidInput(_("预约时间单位只能是 30 或 60 分钟"), field="slot_minutes")
    return {
        "name": clean_text(fields.name, field="name", label=_("场地名称"), max_length=NAME_MAX),
        "address": clean_text(fields.address, field="address", label=_("地址"), max_length=ADDRESS_MAX, required=False),
        "capacity": whole_number(fields.capacity, field="capacity", label=_("容纳人数"), low=1, high=CAPACITY_MAX),
        "facilities": _facilities(fields.facilities),
        "purposes": _purposes(fields.purposes),
        "weekly_hours": clean_hours(fields.hours),
        "open_on_holidays": bool(fields.open_on_holidays),
        "slot_minutes": slot,
        "max_hours": whole_number(
            fields.max_hours, field="max_hours", label=_("每次最长(小时)"), low=1, high=MAX_HOURS_MAX
        ),
        "days_ahead": whole_number(
            fields.days_ahead, field="days_ahead", label=_("最多提前预约(天)"), low=1, high=DAYS_AHEAD_MAX
        ),
        "requires_approval": bool(fields.requires_approval),
        "max_per_person": whole_number(
            fields.max_per_person, field="max_per_person", label=_("每人最多未使用预约(个)"), low=1, high=PER_PERSON_MAX
        ),
        "public": bool(fields.public),
        "contact_phone": normalise_contact_phone(str(fields.contact_phone or "")),
        "notice": clean_text(fields.notice, field="notice", label=_("使用须知"), max_length=NOTICE_MAX, required=False),
        "organisation": fields.organisation,
        "kind": venue_type(fields.kind),
    }


def _name_taken(name: str) -> Conflict:
    return Conflict(_("这里已有名为“%(name)s”的场地") % {"name": name}, field="name")


@transaction.atomic
def venue_create(*, actor: Any, place: Place, fields: VenueFields, idempotency_key: str = "") -> tuple[Venue, bool]:
    """Set up a venue at ``place`` (a street, community or compound the actor manages): ``(venue, created)``."""
    if place.kind not in VENUE_PLACE_KINDS:
        raise InvalidInput(_("场地须设在街道、社区或小区"), field="place_id")
    if not may_create_at(actor, place):
        raise Forbidden(_("您的岗位无权在“%(place)s”设立场地") % {"place": place.name})
    values = clean(fields)
    values["kind"] = values["kind"] or VenueType.OTHER
    check_owner(place, values["organisation"])
    key = clean_key(idempotency_key)

    def create() -> Venue:
        if Venue.objects.filter(place=place, name=values["name"]).exists():
            raise _name_taken(values["name"])
        return Venue.objects.create(place=place, place_path=place.path, created_by=actor, idempotency_key=key, **values)

    venue, created = create_once(
        earlier=Venue.objects.filter(created_by=actor),
        key=key,
        create=create,
        same=lambda e: e.place_id == place.pk and e.name == values["name"],
        refusal=lambda e: _("这个 Idempotency-Key 已用于另一个场地“%(name)s”") % {"name": e.name},
    )
    if created:
        audit_record(
            action="venues.venue_created",
            actor=actor,
            target=venue,
            place=place.pk,
            organisation=venue.organisation_id,
            public=venue.public,
            kind=venue.kind,
        )
    return venue, created


FIELDS = (
    "name",
    "kind",
    "address",
    "capacity",
    "facilities",
    "purposes",
    "weekly_hours",
    "open_on_holidays",
    "slot_minutes",
    "max_hours",
    "days_ahead",
    "requires_approval",
    "max_per_person",
    "public",
    "contact_phone",
    "notice",
)


@transaction.atomic
def venue_update(*, actor: Any, venue: Venue, fields: VenueFields, status: str | None = None) -> Venue:
    """Rewrite a venue's details, hours and rules (and, with ``status``, suspend or reopen it). Bookings already
    made keep their time: suspending stops new bookings, and staff cancel any that cannot go ahead."""
    if not may_manage_venue(actor, venue):
        raise Forbidden(_("您的岗位无权修改场地“%(name)s”") % {"name": venue.name})
    locked = Venue.objects.select_for_update().get(pk=venue.pk)
    place = Place.objects.get(pk=locked.place_id)
    values = clean(fields)
    organisation = values.pop("organisation")
    values["kind"] = values["kind"] or locked.kind
    if status is not None and status not in VenueStatus.values:
        raise InvalidInput(_("请选择%(label)s") % {"label": _("状态")}, field="status")
    changed = [name for name in FIELDS if getattr(locked, name) != values[name]]
    if (organisation.pk if organisation else None) != locked.organisation_id:
        if not may_manage_place(actor, locked.place_path):
            raise Forbidden(_("开放单位的联络员不能更换场地的所属单位"))
        check_owner(place, organisation)
        locked.organisation = organisation
        changed.append("organisation")
    status_changed = status is not None and status != locked.status
    if not changed and not status_changed:
        return locked
    if (
        "name" in changed
        and Venue.objects.filter(place_id=locked.place_id, name=values["name"]).exclude(pk=locked.pk).exists()
    ):
        raise _name_taken(values["name"])
    for name in FIELDS:
        setattr(locked, name, values[name])
    if status is not None and status_changed:
        locked.status = status
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:
        raise _name_taken(values["name"]) from None
    if changed:
        audit_record(action="venues.venue_updated", actor=actor, target=locked, changed=changed)
    if status_changed:
        audit_record(
            action="venues.venue_suspended" if status == VenueStatus.SUSPENDED else "venues.venue_reopened",
            actor=actor,
            target=locked,
        )
    return locked
