"""Who may be on duty at a desk, on which days (see ``permissions``: staff positions at the desk's place, or above
it and covering it). One query for a whole span of days, however many people and positions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from linli.core.lookups import ancestor_paths
from linli.people.models import Position
from linli.people.positions import POSITION_KINDS
from linli.places.models import Place
from linli.rota.permissions import ROTA_KINDS


@dataclass
class StaffMember:
    person_id: int
    name: str
    own: bool  # holds a position at the desk's place itself (auto-schedule draws on these)
    kinds: set[str] = field(default_factory=set)
    spans: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)

    def on(self, day: dt.date) -> bool:
        return any(start <= day and (end is None or day <= end) for start, end in self.spans)

    @property
    def kind_label(self) -> str:
        from django.utils.translation import gettext

        order = [k for k in ROTA_KINDS if k in self.kinds]
        return "、".join(gettext(POSITION_KINDS[k].label) for k in order)


def roster(desk: Any, since: dt.date, until: dt.date, *, own_only: bool = False) -> dict[int, StaffMember]:
    """person id → the staff who may be on duty at ``desk`` on some day of ``since``–``until`` (in name order)."""
    paths = [desk.place_path] if own_only else ancestor_paths(desk.place_path, Place.steplen)
    rows = (
        Position.objects.filter(kind__in=ROTA_KINDS, place_path__in=paths, start_date__lte=until)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=since))
        .values_list("person_id", "person__name", "kind", "place_path", "start_date", "end_date")
        .order_by("person__name", "person_id", "start_date")
    )
    found: dict[int, StaffMember] = {}
    for person_id, name, kind, path, start, end in rows:
        member = found.setdefault(person_id, StaffMember(person_id=person_id, name=name, own=False))
        member.own = member.own or path == desk.place_path
        member.kinds.add(kind)
        member.spans.append((start, end))
    return found


def may_be_on_duty(desk: Any, person_id: int, day: dt.date) -> bool:
    member = roster(desk, day, day).get(person_id)
    return member is not None and member.on(day)
