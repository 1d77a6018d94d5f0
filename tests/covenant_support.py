"""Helpers for the 盟约 tests: a team, a covenant signed through the service, activities held with
confirmed hours (made as the demo makes them: the check-in flow is tested in test_volunteering_activities)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from linli.people.models import Person
from linli.places.models import Place
from linli.volunteering.models import Activity, ActivityStatus, Signup, SignupStatus, Team, TeamCovenant
from linli.volunteering.services import team_create
from linli.volunteering.services_covenants import covenant_sign


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def make_team(actor: Any, place: Place, name: str = "法律援助先锋队", **extra: Any) -> Team:
    return team_create(actor=actor, place_id=place.pk, name=name, **extra)


def sign(actor: Any, team: Team, community: Place, **extra: Any) -> TeamCovenant:
    values: dict[str, Any] = {
        "title": "法律援助服务盟约",
        "services": ["法律援助", "心理咨询"],
        "hours_promised": "100",
        "starts_on": days(-50),
        "ends_on": days(49),  # a 100-day term, 51 days of it elapsed (today included)
        "signed_on": days(-51),
        "signatory_name": "张队长",
    }
    values.update(extra)
    return covenant_sign(actor=actor, team_id=team.pk, community_id=community.pk, **values)


def held(
    team: Team | None,
    place: Place,
    *,
    on: dt.date,
    hours: str = "2.0",
    people: int = 1,
    confirmed: bool = True,
    status: str = ActivityStatus.PUBLISHED,
) -> Activity:
    """An activity of ``team`` at ``place`` starting at 09:00 local on ``on``, with ``people`` sign-ups of
    ``hours`` each (confirmed or not)."""
    start = timezone.make_aware(dt.datetime.combine(on, dt.time(9)))
    activity = Activity.objects.create(
        place=place, place_path=place.path, team=team, title="普法讲座", starts_at=start,
        ends_at=start + dt.timedelta(hours=4), capacity=50, status=status, signed_count=people,
    )  # fmt: skip
    for person in Person.objects.filter(place_path__startswith=place.path[:12]).order_by("pk")[:people]:
        Signup.objects.create(
            activity=activity, person=person, place_path=place.path, status=SignupStatus.SIGNED,
            checked_in_at=start, checked_out_at=start + dt.timedelta(hours=4),
            hours=Decimal(hours) if confirmed else None, confirmed_at=start if confirmed else None,
        )  # fmt: skip
    return activity
