"""物业进网格 writes (seed 003: 把15家物业服务企业融入网格化管理,实行“一长四员”联动进网格): register a property
company's staff member into a grid with their place among the 一长四员, and end it. Each is one transaction with
an audit event; only staff who manage the grid (or a node above it) write.

The company must serve the grid's compound: a service contract of the company for that compound in force on the
day the staff member starts. Rows are history: ending one sets ``end_date``; nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.cobuilding.models import GridStaffRole, PropertyContract, PropertyGridStaff
from linli.core.dates import valid_day
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.identifiers import parse_id
from linli.core.scoping import NOT_FOUND_MESSAGE, capabilities_at, may_manage_at
from linli.orgs.models import Organisation, OrganisationKind
from linli.people.models import Person
from linli.places.models import Place, PlaceKind


def _grid(actor: Any, grid_id: Any) -> Place:
    """The grid, locked once the actor may write there. Missing or outside everything the actor works at: the 404
    of a missing id (on ``grid_id``); inside their scope without ``manage``: forbidden."""
    pk = parse_id(grid_id)
    place = Place.objects.filter(pk=pk).first() if pk else None
    if place is None or not may_manage_at(actor, place.path):
        if place is not None and capabilities_at(actor, place.path):
            raise Forbidden(_("您的岗位无权登记物业人员进网格"))
        raise NotFound(_(NOT_FOUND_MESSAGE), field="grid_id")
    if place.kind != PlaceKind.GRID:
        raise InvalidInput(_("请选择一个网格"), field="grid_id")
    Place.objects.select_for_update().filter(pk=place.pk).first()
    return place


def _role(raw: Any) -> str:
    text = str(raw or "").strip()
    if text not in GridStaffRole.values:
        raise InvalidInput(_("请选择“一长四员”中的职责"), field="role")
    return text


def serving_contract(company: Organisation, grid: Place, day: dt.date) -> PropertyContract | None:
    """The company's contract in force on ``day`` for the compound the grid lies in."""
    return (
        PropertyContract.objects.filter(company=company, starts_on__lte=day, ends_on__gte=day)
        .filter(compound__path=grid.path[: len(grid.path) - Place.steplen])
        .order_by("id")
        .first()
    )


@transaction.atomic
def grid_staff_register(
    *, actor: Any, company: Organisation, grid_id: Any, person: Person, role: str, start_date: dt.date
) -> tuple[PropertyGridStaff, bool]:
    """登记 ``person`` (already read through the actor's ledger scope) as ``company``'s staff in the grid, in one of
    the 一长四员 roles; returns ``(row, created)``.

    A form sent twice is not a second row: the same company, grid and person still serving in the same role is
    returned with ``created=False``; serving there in another role is ``Conflict`` (end it first). Bad input is
    ``InvalidInput`` naming the field; nothing is written."""
    grid = _grid(actor, grid_id)
    if company.kind != OrganisationKind.PROPERTY_COMPANY:
        raise InvalidInput(_("“%(org)s”不是物业服务企业") % {"org": company.name}, field="company_id")
    role = _role(role)
    day = valid_day(start_date, field="start_date", label=_("进网格日期"))
    if day > timezone.localdate():
        raise InvalidInput(_("进网格日期不能晚于今天"), field="start_date")
    if person.anonymised_at is not None:
        raise InvalidInput(_("台账中未找到该居民"), field="person_id")
    if serving_contract(company, grid, day) is None:
        raise InvalidInput(
            _("%(company)s 在 %(day)s 没有该网格所在小区的物业服务合同")
            % {"company": company.name, "day": day.isoformat()},
            field="company_id",
        )
    open_row = (
        PropertyGridStaff.objects.select_for_update()
        .filter(company=company, grid=grid, person=person, end_date__isnull=True)
        .first()
    )
    if open_row is not None:
        if open_row.role == role:
            return open_row, False
        raise Conflict(
            _("%(person)s 已作为%(role)s在本网格,请先结束后再登记")
            % {"person": person.name, "role": open_row.get_role_display()},
            field="role",
        )
    try:
        with transaction.atomic():  # the partial unique constraint settles a concurrent registration
            row = PropertyGridStaff.objects.create(
                company=company, grid=grid, place_path=grid.path, person=person, role=role, start_date=day,
                created_by=actor,
            )  # fmt: skip
    except IntegrityError:
        raise Conflict(_("%(person)s 刚刚已登记在本网格") % {"person": person.name}, field="person_id") from None
    audit_record(
        action="cobuilding.grid_staff_registered", actor=actor, target=row, company=company.pk, grid=grid.pk,
        person=person.pk, role=role, start_date=day.isoformat(),
    )  # fmt: skip
    return row, True


@transaction.atomic
def grid_staff_end(*, actor: Any, staff: PropertyGridStaff, end_date: dt.date | None = None) -> PropertyGridStaff:
    """结束: the staff member leaves the grid on ``end_date`` (default today; not in the future, not before they
    started). One already ended is ``Conflict``."""
    staff = PropertyGridStaff.objects.select_for_update().get(pk=staff.pk)
    if not may_manage_at(actor, staff.place_path):
        raise Forbidden(_("您的岗位无权登记物业人员进网格"))
    if staff.end_date is not None:
        raise Conflict(_("该人员已于 %(day)s 离开网格") % {"day": staff.end_date.isoformat()})
    today = timezone.localdate()
    day = today if end_date is None else valid_day(end_date, field="end_date", label=_("离开日期"))
    if day > today:
        raise InvalidInput(_("离开日期不能晚于今天"), field="end_date")
    if day < staff.start_date:
        raise InvalidInput(_("离开日期不能早于进网格日期"), field="end_date")
    staff.end_date = day
    staff.ended_by = actor
    staff.save(update_fields=["end_date", "ended_by"])
    audit_record(action="cobuilding.grid_staff_ended", actor=actor, target=staff, end_date=day.isoformat())
    return staff
