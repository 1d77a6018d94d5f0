"""Appointing and ending the positions staff keep from the forces page (``positions.APPOINTABLE_KINDS``):
物业监督员 at a compound (seed 002: 选聘物业监督员300多人) and 民意联络员 at a grid or building (seed 001). Each write
is one transaction with an audit event; only staff who manage the place (or a node above it) write.

Positions are history: ending one sets ``end_date``; nothing is deleted, so a figure "on a date" can be read
again later.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.dates import valid_day
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.identifiers import parse_id
from linli.core.scoping import NOT_FOUND_MESSAGE, capabilities_at, may_manage_at
from linli.core.text import clean_text
from linli.people.models import Person, Position
from linli.people.positions import APPOINTABLE_KINDS, POSITION_KINDS
from linli.places.models import Place, PlaceKind

MAX_TITLE = 64


def appointable_kind(kind: Any) -> str:
    """``kind`` if staff appoint it here, else ``InvalidInput`` naming ``kind``."""
    text = str(kind or "").strip()
    if text not in APPOINTABLE_KINDS:
        raise InvalidInput(_("请选择岗位(物业监督员或民意联络员)"), field="kind")
    return text


def _place(actor: Any, place_id: Any, kind: str) -> Place:
    """The place, locked once the actor may write there. Missing, or outside everything the actor works at: the
    404 of a missing id (on ``place_id``); inside their scope without ``manage``: forbidden."""
    pk = parse_id(place_id)
    place = Place.objects.filter(pk=pk).first() if pk else None
    if place is None or not may_manage_at(actor, place.path):
        if place is not None and capabilities_at(actor, place.path):
            raise Forbidden(_("您的岗位无权任免%(kind)s") % {"kind": _(POSITION_KINDS[kind].label)})
        raise NotFound(_(NOT_FOUND_MESSAGE), field="place_id")
    allowed = APPOINTABLE_KINDS[kind]
    if place.kind not in allowed:
        labels = "、".join(str(PlaceKind(k).label) for k in allowed)
        raise InvalidInput(
            _("%(kind)s应任职于%(places)s") % {"kind": _(POSITION_KINDS[kind].label), "places": labels},
            field="place_id",
        )
    Place.objects.select_for_update().filter(pk=place.pk).first()
    return place


def _start(value: Any) -> dt.date:
    day = valid_day(value, field="start_date", label=_("任职日期"))
    if day > timezone.localdate():
        raise InvalidInput(_("任职日期不能晚于今天"), field="start_date")
    return day


@transaction.atomic
def position_appoint(
    *, actor: Any, kind: str, place_id: Any, person: Person, start_date: dt.date, title: str = ""
) -> tuple[Position, bool]:
    """任命 ``person`` (already read through the actor's ledger scope) to ``kind`` at the place; returns
    ``(position, created)``.

    A 物业监督员 lives in the compound they supervise (the ledger's address); a 民意联络员 serves a grid or a building.
    The same person already holding the same position at the same place today is the answer to a form sent twice:
    that position is returned with ``created=False`` and nothing is written. Bad input is ``InvalidInput`` naming
    the field."""
    kind = appointable_kind(kind)
    place = _place(actor, place_id, kind)
    if person.anonymised_at is not None or person.moved_out_on is not None:
        raise InvalidInput(_("%(person)s 已迁出,不能任职") % {"person": person.name}, field="person_id")
    if kind == "property_supervisor" and not person.place_path.startswith(place.path):
        raise InvalidInput(
            _("物业监督员须为本小区居民,%(person)s 不住在%(place)s") % {"person": person.name, "place": place.name},
            field="person_id",
        )
    day = _start(start_date)
    label = clean_text(title, field="title", label=_("职务说明"), max_length=MAX_TITLE, required=False)
    today = timezone.localdate()
    held = (
        Position.objects.filter(person=person, kind=kind, place=place)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .order_by("id")
        .first()
    )
    if held is not None:
        return held, False
    position = Position.objects.create(
        person=person, kind=kind, place=place, place_path=place.path, title=label, start_date=day
    )
    audit_record(
        action="position.appointed", actor=actor, target=position, kind=kind, place=place.pk, person=person.pk,
        start_date=day.isoformat(),
    )  # fmt: skip
    return position, True


@transaction.atomic
def position_end(*, actor: Any, position: Position, end_date: dt.date | None = None) -> Position:
    """卸任: the position ends on ``end_date`` (default today; not in the future, not before it started). Only the
    positions appointed here; one already ended is ``Conflict``."""
    position = Position.objects.select_for_update().get(pk=position.pk)
    if position.kind not in APPOINTABLE_KINDS:
        raise Forbidden(_("该岗位不在此处任免"))
    if not may_manage_at(actor, position.place_path):
        raise Forbidden(_("您的岗位无权任免%(kind)s") % {"kind": position.kind_label})
    today = timezone.localdate()
    if position.end_date is not None and position.end_date <= today:
        raise Conflict(_("该任职已于 %(day)s 结束") % {"day": position.end_date.isoformat()})
    day = today if end_date is None else valid_day(end_date, field="end_date", label=_("卸任日期"))
    if day > today:
        raise InvalidInput(_("卸任日期不能晚于今天"), field="end_date")
    if day < position.start_date:
        raise InvalidInput(_("卸任日期不能早于任职日期"), field="end_date")
    position.end_date = day
    position.save(update_fields=["end_date"])
    audit_record(action="position.ended", actor=actor, target=position, kind=position.kind, end_date=day.isoformat())
    return position
