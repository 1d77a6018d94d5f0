"""七天不打烊 at district volume: a duty desk at every community and street, kept on every rest day of the
official calendar by its own staff in turn (the community's secretary and workers, the street's staff); 97% of
past shifts checked in (each earning a compensatory day within the desk's 30-day window), the next four weeks
planned; four in five earned days taken as a 调休 on a working day inside the window (approved by the desk's lead,
a few still waiting)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from linli.core.scale.bulk import fix_sequence, insert_tuples, next_id
from linli.core.scale.volume.district import District
from linli.rota.days import rest_days
from linli.rota.models import CompDay, CompStatus, DutyDesk, DutyShift, ShiftStatus
from linli.workdays.services import is_working_day

MARKER = DutyShift  # rows here mean the step has run
AHEAD_DAYS = 28
WINDOW = 30


def build(d: District, progress: Any) -> dict[str, int]:
    rng = d.rng
    desk_id, shift_id = next_id(DutyDesk), next_id(DutyShift)
    days = rest_days(d.first, d.today + dt.timedelta(days=AHEAD_DAYS))
    desks, shifts, comps = [], [], []
    taken: set[tuple[int, dt.date]] = set()  # (person, day) already off or on duty
    for place in [*d.by_kind["community"], *d.by_kind["street"]]:
        kinds = ("community_secretary", "community_staff") if place.kind == "community" else ("street_staff",)
        staff = [h.person_id for kind in kinds for h in d.holders[kind] if h.path == place.path]
        if not staff:
            continue
        lead = d.holder_at("community_secretary", place.path) or d.holder_at("street_leader", place.path)
        desks.append(
            (
                desk_id,
                place.id,
                place.path,
                f"{place.name}党群服务中心",
                f"0551-6{rng.randrange(10**7):07d}",
                "党群服务中心一楼大厅",
                dt.time(9),
                dt.time(17),
                1,
                WINDOW,
                True,
                d.admin_id,
                d.at(d.first),
                d.at(d.first),
            )
        )
        for n, day in enumerate(days):
            person = staff[n % len(staff)]
            taken.add((person, day))
            checked = day < d.today and rng.random() < 0.97
            shifts.append(
                (
                    shift_id,
                    desk_id,
                    place.path,
                    day,
                    person,
                    dt.time(9),
                    dt.time(17),
                    True,
                    ShiftStatus.CHECKED_IN if checked else ShiftStatus.PLANNED,
                    d.at(day, 8, rng.randint(40, 59)) if checked else None,
                    day + dt.timedelta(days=WINDOW) if checked else None,
                    d.admin_id,
                    d.at(day - dt.timedelta(days=20)),
                )
            )
            if checked and rng.random() < 0.8:
                off = day + dt.timedelta(days=rng.randint(1, 14))
                while not is_working_day(off) or (person, off) in taken:
                    off += dt.timedelta(days=1)
                if off <= day + dt.timedelta(days=WINDOW):
                    taken.add((person, off))
                    asked = d.at(day + dt.timedelta(days=1), 10)
                    waiting = off > d.today and rng.random() < 0.3
                    approver = lead.person_id if lead and lead.person_id != person else None
                    comps.append(
                        (
                            shift_id,
                            desk_id,
                            person,
                            place.path,
                            off,
                            CompStatus.PENDING if waiting else CompStatus.APPROVED,
                            "调休",
                            None if waiting else d.user_of(approver),
                            None if waiting else asked + dt.timedelta(hours=3),
                            d.user_of(person),
                            asked,
                        )
                    )
            shift_id += 1
        desk_id += 1
    counts = {
        "duty desks": insert_tuples(
            DutyDesk,
            [
                "id",
                "place_id",
                "place_path",
                "name",
                "phone",
                "location",
                "opens_at",
                "closes_at",
                "required_people",
                "comp_window_days",
                "active",
                "created_by_id",
                "created_at",
                "updated_at",
            ],
            desks,
        ),
        "duty shifts": insert_tuples(
            DutyShift,
            [
                "id",
                "desk_id",
                "place_path",
                "day",
                "person_id",
                "starts_at",
                "ends_at",
                "rest_day",
                "status",
                "checked_in_at",
                "comp_until",
                "created_by_id",
                "created_at",
            ],
            shifts,
        ),
        "compensatory days": insert_tuples(
            CompDay,
            [
                "shift_id",
                "desk_id",
                "person_id",
                "place_path",
                "day",
                "status",
                "note",
                "decided_by_id",
                "decided_at",
                "created_by_id",
                "created_at",
            ],
            comps,
        ),
    }
    fix_sequence(DutyDesk)
    fix_sequence(DutyShift)
    return counts
