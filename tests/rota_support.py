"""Helpers the duty-rota tests share (not a test module).

The rota is about particular days, so its tests run on a fixed clock: ``freeze(monkeypatch, day)`` makes
``django.utils.timezone.now`` (and with it ``localdate``, ``auto_now_add``) answer 10:00 Beijing time on ``day``, as
the repo's other clock-dependent tests do. The days come from the 2026 official calendar:

- Monday 27 April 2026 is "today" (``TODAY``);
- 1–5 May (Friday to Tuesday) is the 劳动节 holiday: Friday 1 May and Monday 4 May are weekday rest days;
- Saturday 9 May is a make-up workday (调休上班): not a rest day;
- Sunday 10 May is an ordinary rest day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from linli.people.models import Person, Position
from linli.places.models import Place
from linli.rota import services_desks as sd
from linli.rota import services_shifts as ss
from linli.rota.models import DutyDesk, DutyShift

BEIJING = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 4, 27)
LABOUR_DAY = dt.date(2026, 5, 1)  # Friday, statutory holiday
HOLIDAY_SAT = dt.date(2026, 5, 2)
HOLIDAY_SUN = dt.date(2026, 5, 3)
HOLIDAY_MON = dt.date(2026, 5, 4)  # Monday, statutory holiday
HOLIDAY_TUE = dt.date(2026, 5, 5)
MAKEUP_SATURDAY = dt.date(2026, 5, 9)  # 调休上班
PLAIN_SUNDAY = dt.date(2026, 5, 10)
WORKDAY = dt.date(2026, 5, 6)  # Wednesday


def freeze(monkeypatch: Any, day: dt.date, hour: int = 10) -> dt.datetime:
    moment = dt.datetime.combine(day, dt.time(hour), tzinfo=BEIJING)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


def staff_of(place: Place, *kinds: str) -> list[Person]:
    """People holding one of ``kinds`` (default: the rota's staff kinds) at ``place`` itself, in id order."""
    kinds = kinds or ("community_secretary", "community_staff", "street_staff")
    ids = Position.objects.filter(place=place, kind__in=kinds).values("person_id")
    return list(Person.objects.filter(pk__in=ids).order_by("pk"))


def account(person: Person, username: str) -> Any:
    """The person's login (made for the test when the demo gave them none)."""
    from linli.accounts.models import User

    user = User.objects.filter(person=person).first()
    if user is None:
        user = User.objects.create_user(username=username, person=person, password="demo-pass-2026")
    return User.objects.select_related("person").get(pk=user.pk)


def secretary(community: Place) -> Any:
    return account(staff_of(community, "community_secretary")[0], f"secretary-{community.pk}")


def colleague(users: dict[str, Any], community: Place) -> Any:
    """The other community worker of the demo's first community (the demo's ``community`` user is one)."""
    other = next(p for p in staff_of(community, "community_staff") if p.pk != users["community"].person_id)
    return account(other, f"worker-{other.pk}")


def desk(actor: Any, place: Place, **extra: Any) -> DutyDesk:
    fields = sd.DeskFields(
        phone=extra.pop("phone", "0551-62345678"), location=extra.pop("location", "党群服务中心一楼"), **extra
    )
    return sd.desk_create(actor=actor, place=place, fields=fields)[0]


def shift(actor: Any, the_desk: DutyDesk, person: Person, day: dt.date) -> DutyShift:
    return ss.shift_add(actor=actor, desk=the_desk, person=person, day=day)[0]
