"""Writes of a street's internal offices (内设机构), its 职责清单 and its 行政事务准入事项.

Each function is one state change in one transaction with one audit event. A repeat of a done change (the same
office saved again, an item already cancelled, a create retried under the same idempotency key) answers with
what is there and writes nothing. Who may: ``linli.duties.permissions`` (``manage`` at the street). The tasks
pushed down and their review are ``services_tasks``; Excel import is ``importing``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from linli.audit.services import audit_record
from linli.core.errors import Conflict, InvalidInput
from linli.core.idempotency import clean_key, create_once
from linli.core.text import clean_text, whole_number
from linli.duties.models import (
    DutyCategory,
    EntryItem,
    ListedDuty,
    ListStatus,
    OfficeKind,
    Responsibility,
    StreetOffice,
    TaskLevel,
)
from linli.duties.permissions import require_manage_street
from linli.places.models import Place, PlaceKind

TITLE_MAX = 100
TEXT_MAX = 2000
PARTNERS_MAX = 200
REASON_MAX = 200
OFFICE_NAME_MAX = 32
DEPARTMENT_MAX = 100
SORT_MAX = 1000

# The usual "五办三中心" a street starts from (stored in Chinese, like every seeded name).
DEFAULT_OFFICES: list[tuple[str, str]] = [
    (gettext_noop("党政办公室"), OfficeKind.OFFICE),
    (gettext_noop("党建工作办公室"), OfficeKind.OFFICE),
    (gettext_noop("经济发展办公室"), OfficeKind.OFFICE),
    (gettext_noop("社会事务办公室"), OfficeKind.OFFICE),
    (gettext_noop("平安建设办公室"), OfficeKind.OFFICE),
    (gettext_noop("党群服务中心"), OfficeKind.CENTER),
    (gettext_noop("便民服务中心"), OfficeKind.CENTER),
    (gettext_noop("综治中心(网格化服务管理中心)"), OfficeKind.CENTER),
]


# ----------------------------------------------------------------------------- input


def require_street(place: Place) -> None:
    if place.kind != PlaceKind.STREET:
        raise InvalidInput(_("职责清单和准入事项按街道维护,请选择一个街道"), field="street_id")


def _require_manage(actor: Any, street: Place) -> None:
    require_street(street)
    require_manage_street(actor, street, _("您的岗位无权维护“%(street)s”的清单") % {"street": street.name})


def choice(raw: Any, values: list[str], *, field: str, label: str) -> str:
    value = (str(raw) if raw is not None else "").strip()
    if value not in values:
        raise InvalidInput(_("请选择%(label)s") % {"label": label}, field=field)
    return value


def sort_value(raw: Any, default: int) -> int:
    return whole_number(raw, field="sort", label=_("排序"), low=0, high=SORT_MAX, default=default)


def _cancel_day(raw: dt.date | None) -> dt.date:
    today = timezone.localdate()
    day = raw or today
    if day > today:
        raise InvalidInput(_("取消日期不能晚于今天"), field="cancelled_on")
    return day


Item = TypeVar("Item", ListedDuty, EntryItem)  # the two street lists, kept by the same rules


def _rewrite(
    *,
    actor: Any,
    item: Item,
    values: dict[str, Any],
    names: tuple[str, ...],
    action: str,
    taken: Callable[[Place, str], Conflict],
) -> Item:
    """Rewrite an in-force list item (职责 or 准入事项) with cleaned ``values``: saving it unchanged records nothing, a
    cancelled item is not edited (409), a title another in-force item of the street holds is refused (409)."""
    model = type(item)
    item = model.objects.select_for_update().select_related("street").get(pk=item.pk)
    if item.status != ListStatus.IN_FORCE:
        raise Conflict(_("该事项已取消,不能修改"), field="title")
    changed: list[str] = [name for name in names if getattr(item, name) != values[name]]
    if not changed:
        return item
    if "title" in changed and (
        model.objects.filter(street=item.street, title=values["title"], status=ListStatus.IN_FORCE)
        .exclude(pk=item.pk)
        .exists()
    ):
        raise taken(item.street, values["title"])
    for name in changed:
        setattr(item, name, values[name])
    item.save(update_fields=[*changed, "updated_at"])
    audit_record(action=action, actor=actor, target=item, changed=changed)
    return item


def _cancel(*, actor: Any, item: Item, reason: Any, cancelled_on: dt.date | None, action: str) -> Item:
    """Cancel (取消) a list item with the reason and date; it stays in the records. A second cancel changes nothing."""
    item = type(item).objects.select_for_update().select_related("street").get(pk=item.pk)
    if item.status == ListStatus.CANCELLED:
        return item
    item.cancel_reason = clean_text(reason, field="reason", label=_("取消原因"), max_length=REASON_MAX)
    item.cancelled_on = _cancel_day(cancelled_on)
    item.status = ListStatus.CANCELLED
    item.save(update_fields=["status", "cancel_reason", "cancelled_on", "updated_at"])
    audit_record(action=action, actor=actor, target=item, reason=item.cancel_reason, on=str(item.cancelled_on))
    return item


# ----------------------------------------------------------------------------- offices


@transaction.atomic
def offices_adopt_defaults(*, actor: Any, street: Place) -> int:
    """Give a street the usual "五办三中心" (the ones it has under those names are kept): how many were added."""
    _require_manage(actor, street)
    Place.objects.select_for_update().filter(pk=street.pk).first()  # two presses: one after the other
    have = set(StreetOffice.objects.filter(street=street, active=True).values_list("name", flat=True))
    rows = [
        StreetOffice(street=street, place_path=street.path, name=name, kind=kind, sort=(n + 1) * 10, created_by=actor)
        for n, (name, kind) in enumerate(DEFAULT_OFFICES)
        if name not in have
    ]
    StreetOffice.objects.bulk_create(rows)
    if rows:
        audit_record(action="duties.offices_defaulted", actor=actor, target=street, offices=[r.name for r in rows])
    return len(rows)


@transaction.atomic
def office_save(
    *, actor: Any, street: Place, name: Any, kind: Any, sort: Any = None, office: StreetOffice | None = None
) -> tuple[StreetOffice, bool]:
    """Add an office to the street (``office`` None) or rename / re-sort one: ``(office, created)``. Adding an
    office the street has under that name answers with it."""
    _require_manage(actor, street)
    name = clean_text(name, field="name", label=_("机构名称"), max_length=OFFICE_NAME_MAX)
    kind = choice(kind, list(OfficeKind.values), field="kind", label=_("机构类型"))
    clash = StreetOffice.objects.filter(street=street, name=name, active=True)
    if office is None:
        existing = clash.first()
        if existing is not None:
            return existing, False
        last = StreetOffice.objects.filter(street=street).order_by("-sort").values_list("sort", flat=True).first()
        try:
            with transaction.atomic():
                office = StreetOffice.objects.create(
                    street=street,
                    place_path=street.path,
                    name=name,
                    kind=kind,
                    sort=sort_value(sort, min(SORT_MAX, (last or 0) + 10)),
                    created_by=actor,
                )
        except IntegrityError:  # the same office submitted twice at once
            return clash.get(), False
        audit_record(action="duties.office_saved", actor=actor, target=office, name=name, created=True)
        return office, True
    if office.street_id != street.pk:
        raise InvalidInput(_("该机构不属于这个街道"), field="office_id")
    office = StreetOffice.objects.select_for_update().get(pk=office.pk)
    if not office.active:
        raise Conflict(_("“%(name)s”已撤销,不能修改") % {"name": office.name}, field="name")
    if clash.exclude(pk=office.pk).exists():
        raise Conflict(_("本街道已有名为“%(name)s”的内设机构") % {"name": name}, field="name")
    wanted = {"name": name, "kind": kind, "sort": sort_value(sort, office.sort)}
    changed = [f for f, v in wanted.items() if getattr(office, f) != v]
    if changed:
        for f in changed:
            setattr(office, f, wanted[f])
        office.save(update_fields=changed)
        audit_record(action="duties.office_saved", actor=actor, target=office, changed=changed, name=name)
    return office, False


@transaction.atomic
def office_retire(*, actor: Any, office: StreetOffice, retired_on: dt.date | None = None) -> StreetOffice:
    """Retire (撤销) an office: it stays for the records that name it. Refused while in-force duties are
    assigned to it (409 with their number). Retiring a retired office changes nothing."""
    _require_manage(actor, office.street)
    office = StreetOffice.objects.select_for_update().get(pk=office.pk)
    if not office.active:
        return office
    in_force = ListedDuty.objects.filter(office=office, status=ListStatus.IN_FORCE).count()
    if in_force:
        raise Conflict(
            _("“%(name)s”还承担 %(n)d 项在册职责,请先调整到其他机构后再撤销") % {"name": office.name, "n": in_force},
            field="office_id",
        )
    today = timezone.localdate()
    office.active = False
    office.retired_on = min(retired_on or today, today)
    office.save(update_fields=["active", "retired_on"])
    audit_record(action="duties.office_retired", actor=actor, target=office, name=office.name)
    return office


# ----------------------------------------------------------------------------- the 职责清单


@dataclass(frozen=True)
class DutyFields:
    """What a duty says, as typed into a form, sent to the API or read from a sheet row."""

    category: DutyCategory | None
    title: Any
    office: StreetOffice | None
    content: Any = ""
    basis: Any = ""
    responsibility: Any = Responsibility.LEAD
    partners: Any = ""


def clean_duty(street: Place, fields: DutyFields) -> dict[str, Any]:
    if fields.category is None or not fields.category.active:
        raise InvalidInput(_("请选择%(label)s") % {"label": _("职责类别")}, field="category")
    office = fields.office
    if office is None or office.street_id != street.pk or not office.active:
        raise InvalidInput(_("请选择本街道在用的责任内设机构"), field="office")
    return {
        "category": fields.category,
        "title": clean_text(fields.title, field="title", label=_("事项名称"), max_length=TITLE_MAX),
        "content": clean_text(
            fields.content, field="content", label=_("职责内容"), max_length=TEXT_MAX, required=False
        ),
        "basis": clean_text(fields.basis, field="basis", label=_("依据"), max_length=TEXT_MAX, required=False),
        "office": office,
        "responsibility": choice(
            fields.responsibility or Responsibility.LEAD,
            list(Responsibility.values),
            field="responsibility",
            label=_("职责类型"),
        ),
        "partners": clean_text(
            fields.partners, field="partners", label=_("配合部门"), max_length=PARTNERS_MAX, required=False
        ),
    }


def _title_taken(street: Place, title: str) -> Conflict:
    return Conflict(
        _("“%(street)s”的清单已有在册事项“%(title)s”") % {"street": street.name, "title": title[:TITLE_MAX]},
        field="title",
    )


@transaction.atomic
def duty_create(*, actor: Any, street: Place, fields: DutyFields, idempotency_key: str = "") -> tuple[ListedDuty, bool]:
    """Add an item to the street's 职责清单: ``(duty, created)``. A retry under the same key answers with the first;
    a title the list has in force is refused (409)."""
    _require_manage(actor, street)
    values = clean_duty(street, fields)
    key = clean_key(idempotency_key)

    def create() -> ListedDuty:
        if ListedDuty.objects.filter(street=street, title=values["title"], status=ListStatus.IN_FORCE).exists():
            raise _title_taken(street, values["title"])
        return ListedDuty.objects.create(
            street=street, place_path=street.path, created_by=actor, idempotency_key=key, **values
        )

    try:
        duty, created = create_once(
            earlier=ListedDuty.objects.filter(created_by=actor),
            key=key,
            create=create,
            same=lambda e: e.street_id == street.pk and e.title == values["title"],
            refusal=lambda e: _("这个 Idempotency-Key 已用于另一项职责“%(title)s”") % {"title": e.title},
        )
    except (IntegrityError, ListedDuty.DoesNotExist):
        raise _title_taken(street, values["title"]) from None
    if created:
        audit_record(
            action="duties.duty_created",
            actor=actor,
            target=duty,
            street=street.pk,
            category=duty.category.code,
            office=duty.office_id,
        )
    return duty, created


DUTY_FIELDS = ("category", "title", "content", "basis", "office", "responsibility", "partners")


@transaction.atomic
def duty_update(*, actor: Any, duty: ListedDuty, fields: DutyFields) -> ListedDuty:
    """Rewrite an in-force item (every field as given). Saving it unchanged records nothing; a cancelled item is
    not edited (409)."""
    _require_manage(actor, duty.street)
    values = clean_duty(duty.street, fields)
    return _rewrite(
        actor=actor, item=duty, values=values, names=DUTY_FIELDS, action="duties.duty_updated", taken=_title_taken
    )


@transaction.atomic
def duty_cancel(*, actor: Any, duty: ListedDuty, reason: Any, cancelled_on: dt.date | None = None) -> ListedDuty:
    """Cancel (取消) an item with the reason and date; it stays in the records. A second cancel changes nothing."""
    _require_manage(actor, duty.street)
    return _cancel(actor=actor, item=duty, reason=reason, cancelled_on=cancelled_on, action="duties.duty_cancelled")


# ----------------------------------------------------------------------------- the 准入事项


@dataclass(frozen=True)
class EntryFields:
    title: Any
    department_name: Any = ""
    department: Any = None  # an orgs.Organisation of kind department, chosen from the street's
    basis: Any = ""
    level: Any = TaskLevel.STREET
    funded: bool = False


def clean_entry(street: Place, fields: EntryFields) -> dict[str, Any]:
    department = fields.department
    name = fields.department_name
    if department is not None:
        if department.kind != "department" or not street.path.startswith(department.place_path):
            raise InvalidInput(_("请选择服务本街道的职能部门"), field="department")
        name = name or department.name
    return {
        "title": clean_text(fields.title, field="title", label=_("事项名称"), max_length=TITLE_MAX),
        "department_name": clean_text(name, field="department_name", label=_("下派部门"), max_length=DEPARTMENT_MAX),
        "department": department,
        "basis": clean_text(fields.basis, field="basis", label=_("依据"), max_length=TEXT_MAX, required=False),
        "level": choice(fields.level or TaskLevel.STREET, list(TaskLevel.values), field="level", label=_("承接层级")),
        "funded": bool(fields.funded),
    }


def _entry_taken(street: Place, title: str) -> Conflict:
    return Conflict(
        _("“%(street)s”的准入清单已有在册事项“%(title)s”") % {"street": street.name, "title": title[:TITLE_MAX]},
        field="title",
    )


@transaction.atomic
def entry_create(
    *, actor: Any, street: Place, fields: EntryFields, idempotency_key: str = ""
) -> tuple[EntryItem, bool]:
    """Add an item to the street's 行政事务准入事项: ``(entry, created)``; same rules as ``duty_create``."""
    _require_manage(actor, street)
    values = clean_entry(street, fields)
    key = clean_key(idempotency_key)

    def create() -> EntryItem:
        if EntryItem.objects.filter(street=street, title=values["title"], status=ListStatus.IN_FORCE).exists():
            raise _entry_taken(street, values["title"])
        return EntryItem.objects.create(
            street=street, place_path=street.path, created_by=actor, idempotency_key=key, **values
        )

    try:
        entry, created = create_once(
            earlier=EntryItem.objects.filter(created_by=actor),
            key=key,
            create=create,
            same=lambda e: e.street_id == street.pk and e.title == values["title"],
            refusal=lambda e: _("这个 Idempotency-Key 已用于另一项准入事项“%(title)s”") % {"title": e.title},
        )
    except (IntegrityError, EntryItem.DoesNotExist):
        raise _entry_taken(street, values["title"]) from None
    if created:
        audit_record(action="duties.entry_created", actor=actor, target=entry, street=street.pk, level=entry.level)
    return entry, created


ENTRY_FIELDS = ("title", "department_name", "department", "basis", "level", "funded")


@transaction.atomic
def entry_update(*, actor: Any, entry: EntryItem, fields: EntryFields) -> EntryItem:
    _require_manage(actor, entry.street)
    values = clean_entry(entry.street, fields)
    return _rewrite(
        actor=actor, item=entry, values=values, names=ENTRY_FIELDS, action="duties.entry_updated", taken=_entry_taken
    )


@transaction.atomic
def entry_cancel(*, actor: Any, entry: EntryItem, reason: Any, cancelled_on: dt.date | None = None) -> EntryItem:
    """Cancel an entry item. Tasks already accepted under it keep it; new tasks can no longer be matched to it."""
    _require_manage(actor, entry.street)
    return _cancel(actor=actor, item=entry, reason=reason, cancelled_on=cancelled_on, action="duties.entry_cancelled")
    entry.cancel_reason = clean_text(reason, field="reason", label=_("取消原因"), max_length=REASON_MAX)
    entry.cancelled_on = _cancel_day(cancelled_on)
    entry.status = ListStatus.CANCELLED
    entry.save(update_fields=["status", "cancel_reason", "cancelled_on", "updated_at"])
    audit_record(
        action="duties.entry_cancelled",
        actor=actor,
        target=entry,
        reason=entry.cancel_reason,
        on=str(entry.cancelled_on),
    )
    return entry


def require_manage_street_for_import(actor: Any, street: Place) -> None:
    """The importer's check (the same as every write's), before the file is read."""
    _require_manage(actor, street)
