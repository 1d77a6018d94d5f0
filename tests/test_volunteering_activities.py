"""Activities: capacity and waitlist, QR check-in inside the window, confirmation and points."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from linli.core.errors import Conflict, InvalidInput, NotFound
from linli.volunteering import activities as act
from linli.volunteering.models import PointAccount, PointEntry, Signup, SignupStatus
from linli.volunteering.selectors_reporting import DEFAULT_RULE


def make_activity(users, places, *, capacity=2, starts_in=dt.timedelta(minutes=10), hours=2):
    start = timezone.now() + starts_in
    return act.activity_create(
        actor=users["community"],
        place_id=places.compounds[0].pk,
        title="楼道清洁日",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        capacity=capacity,
        points_per_hour=10,
        publish=True,
    )


def test_the_last_place_goes_to_the_first_and_the_next_waits_in_line(users, places):
    a = make_activity(users, places, capacity=1)
    first = act.activity_sign_up(actor=users["volunteer"], activity_id=a.pk)
    second = act.activity_sign_up(actor=users["resident"], activity_id=a.pk)
    assert (first.status, second.status) == (SignupStatus.SIGNED, SignupStatus.WAITLIST)
    with pytest.raises(Conflict, match="已报名"):
        act.activity_sign_up(actor=users["resident"], activity_id=a.pk)
    act.activity_withdraw(actor=users["volunteer"], activity_id=a.pk)
    second.refresh_from_db()
    a.refresh_from_db()
    assert second.status == SignupStatus.SIGNED and a.signed_count == 1


def test_a_grid_worker_cannot_see_or_create_an_activity_in_another_community(users, places):
    a = act.activity_create(
        actor=users["street"],
        place_id=places.other_community.pk,
        title="外社区活动",
        starts_at=timezone.now() + dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(hours=2),
        capacity=5,
    )
    with pytest.raises(NotFound):
        act.access_activity(users["grid"], a.pk)
    with pytest.raises(NotFound):
        act.activity_create(
            actor=users["grid"],
            place_id=places.other_community.pk,
            title="越权",
            starts_at=a.starts_at,
            ends_at=a.ends_at,
            capacity=1,
        )


def test_bad_activity_input_is_refused_with_the_field_named(users, places):
    start = timezone.now()
    with pytest.raises(InvalidInput) as err:
        act.activity_create(
            actor=users["community"],
            place_id=places.compounds[0].pk,
            title="x",
            starts_at=start,
            ends_at=start - dt.timedelta(hours=1),
            capacity=1,
        )
    assert err.value.field == "ends_at"
    with pytest.raises(InvalidInput) as err:
        act.activity_create(
            actor=users["community"],
            place_id=places.compounds[0].pk,
            title="x",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
            capacity=0,
        )
    assert err.value.field == "capacity"


def test_check_in_and_out_with_the_qr_link_then_confirm_awards_points_once(users, places):
    a = make_activity(users, places, starts_in=dt.timedelta(minutes=-5), hours=2)
    act.activity_sign_up(actor=users["volunteer"], activity_id=a.pk)
    token = act.checkin_token(a)
    act.activity_scan(actor=users["volunteer"], activity_id=a.pk, token=token, action="in", now=a.starts_at)
    with pytest.raises(Conflict, match="已签到"):
        act.activity_scan(actor=users["volunteer"], activity_id=a.pk, token=token, action="in", now=a.starts_at)
    out = act.activity_scan(
        actor=users["volunteer"],
        activity_id=a.pk,
        token=token,
        action="out",
        now=a.starts_at + dt.timedelta(minutes=100),
    )
    signup = act.activity_confirm(actor=users["community"], signup_id=out.pk)
    assert signup.hours == dt.timedelta(minutes=90).total_seconds() / 3600
    account = PointAccount.objects.get(person=users["volunteer"].person, kind="volunteer")
    assert account.balance == 15
    with pytest.raises(Conflict):
        act.activity_confirm(actor=users["community"], signup_id=out.pk)
    assert PointEntry.objects.filter(account=account).count() == 1
    party = PointAccount.objects.get(person=users["volunteer"].person, kind="party")
    assert party.balance == DEFAULT_RULE.points_per_activity


def test_a_foreign_or_forged_or_expired_qr_code_is_refused_and_nothing_changes(users, places):
    a = make_activity(users, places)
    b = make_activity(users, places)
    act.activity_sign_up(actor=users["volunteer"], activity_id=a.pk)
    with pytest.raises(InvalidInput, match="不是本活动"):
        act.activity_scan(actor=users["volunteer"], activity_id=a.pk, token=act.checkin_token(b), action="in")
    with pytest.raises(InvalidInput, match="无效"):
        act.activity_scan(actor=users["volunteer"], activity_id=a.pk, token="forged:token", action="in")
    late = a.ends_at + act.CHECKOUT_CLOSES_AFTER + dt.timedelta(minutes=1)
    with pytest.raises(Conflict, match="不在签到时间"):
        act.activity_scan(actor=users["volunteer"], activity_id=a.pk, token=act.checkin_token(a), action="in", now=late)
    assert Signup.objects.get(activity=a, person=users["volunteer"].person).checked_in_at is None


def test_last_place_on_sqlite_sequentially_has_one_winner(users, places):
    a = make_activity(users, places, capacity=1)
    outcomes = [act.activity_sign_up(actor=users[n], activity_id=a.pk).status for n in ("volunteer", "resident")]
    assert sorted(outcomes) == ["signed", "waitlist"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_taking_the_last_place_at_the_same_moment_get_one_place_and_one_waitlist():
    if connection.vendor != "postgresql":
        pytest.skip("real row-lock concurrency needs PostgreSQL")
    from linli.accounts.models import User
    from linli.places.models import Place
    from tests.conftest import build_demo

    if not Place.objects.exists():
        build_demo()
    community, volunteer, resident = (User.objects.get(username=n) for n in ("community", "volunteer", "resident"))
    compound = Place.objects.filter(kind="compound").order_by("path").first()
    start = timezone.now() + dt.timedelta(hours=1)
    a = act.activity_create(
        actor=community,
        place_id=compound.pk,
        title="最后一个名额",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        capacity=1,
        publish=True,
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def sign(user):
        from django.db import connections

        try:
            barrier.wait()
            outcomes.append(act.activity_sign_up(actor=user, activity_id=a.pk).status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign, args=(u,)) for u in (volunteer, resident)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcomes) == ["signed", "waitlist"]
    a.refresh_from_db()
    assert a.signed_count == 1
