"""The points bank: append-only, idempotent, never negative; rewards with stock; order-board points."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linli.core.errors import Conflict, InvalidInput, NotFound
from linli.volunteering import points as pts
from linli.volunteering.models import PointAccount, PointEntry, Redemption, Reward


def award(users, amount, key="k1", who="volunteer", by="community"):
    return pts.points_manual_award(
        actor=users[by], person_id=users[who].person.pk, kind="volunteer", amount=amount, note="扫雪", request_key=key
    )


def test_a_manual_award_is_applied_once_per_request_key(users):
    assert award(users, 30) is not None
    assert award(users, 30) is None
    account = PointAccount.objects.get(person=users["volunteer"].person, kind="volunteer")
    assert account.balance == 30 and pts.ledger_consistent(account)


def test_awarding_points_outside_ones_scope_is_not_found_and_the_ledger_is_unchanged(users, places):
    from linli.people.models import Person

    outsider = Person.objects.filter(place_path__startswith=places.other_community.path).first()
    with pytest.raises(NotFound):
        pts.points_manual_award(
            actor=users["community"], person_id=outsider.pk, kind="volunteer", amount=5, note="越权", request_key="x"
        )
    with pytest.raises(NotFound):
        award(users, 5, by="volunteer")
    assert not PointEntry.objects.exists()


def test_point_entries_refuse_update_at_the_database(users):
    entry = award(users, 10)
    with pytest.raises(DatabaseError), transaction.atomic():
        PointEntry.objects.filter(pk=entry.pk).update(amount=1000)
    entry.refresh_from_db()
    assert entry.amount == 10


def test_redeeming_more_than_the_balance_is_refused_and_nothing_is_taken(users, places):
    award(users, 20)
    reward = pts.reward_create(
        actor=users["community"], place_id=places.compounds[0].pk, name="洗衣液", cost=50, stock=3
    )
    with pytest.raises(InvalidInput, match="积分不足"):
        pts.reward_redeem(actor=users["volunteer"], reward_id=reward.pk)
    reward.refresh_from_db()
    assert reward.stock == 3 and not Redemption.objects.exists()
    assert PointAccount.objects.get(person=users["volunteer"].person).balance == 20


def test_redeem_pick_up_and_cancel_move_stock_and_points(users, places):
    award(users, 100)
    reward = pts.reward_create(actor=users["community"], place_id=places.compounds[0].pk, name="毛巾", cost=30, stock=1)
    r = pts.reward_redeem(actor=users["volunteer"], reward_id=reward.pk)
    with pytest.raises(Conflict, match="兑完"):
        pts.reward_redeem(actor=users["volunteer"], reward_id=reward.pk)
    pts.redemption_cancel(actor=users["volunteer"], redemption_id=r.pk)
    reward.refresh_from_db()
    account = PointAccount.objects.get(person=users["volunteer"].person)
    assert reward.stock == 1 and account.balance == 100 and pts.ledger_consistent(account)
    r2 = pts.reward_redeem(actor=users["volunteer"], reward_id=reward.pk)
    assert pts.redemption_hand_over(actor=users["community"], redemption_id=r2.pk).status == "picked_up"
    with pytest.raises(Conflict):
        pts.redemption_cancel(actor=users["volunteer"], redemption_id=r2.pk)


def test_expired_points_are_taken_off_after_what_was_spent_first(users):
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    pts.points_manual_award(
        actor=users["community"],
        person_id=users["volunteer"].person.pk,
        kind="volunteer",
        amount=40,
        note="年度",
        request_key="e1",
        expires_on=today + dt.timedelta(days=1),
    )
    award(users, 10, key="e2")
    account = PointAccount.objects.get(person=users["volunteer"].person)
    pts.points_credit(person=users["volunteer"].person, kind="volunteer", amount=-15, reason="redeem", source_key="s")
    entry = pts.points_expire(account_id=account.pk, today=today + dt.timedelta(days=2))
    assert entry.amount == -25
    assert pts.points_expire(account_id=account.pk, today=today + dt.timedelta(days=2)) is None
    account.refresh_from_db()
    assert account.balance == 10 and pts.ledger_consistent(account)


def test_resolving_a_claimed_order_earns_points_once_from_the_sweep(users):
    from linli.tickets import transitions as tr
    from linli.tickets.services import ticket_submit
    from linli.volunteering.orders import ORDER_POINTS, award_order_points

    t, _ = ticket_submit(actor=users["resident"], description="帮老人换灯泡")
    tr.ticket_accept(actor=users["grid"], ticket_id=t.pk)
    tr.ticket_publish(actor=users["grid"], ticket_id=t.pk)
    tr.ticket_claim(actor=users["volunteer"], ticket_id=t.pk)
    tr.ticket_resolve(actor=users["volunteer"], ticket_id=t.pk, note="已换好")
    assert award_order_points() == 1
    assert award_order_points() == 0
    account = PointAccount.objects.get(person=users["volunteer"].person, kind="volunteer")
    assert account.balance == ORDER_POINTS


OPS = st.lists(
    st.tuples(st.sampled_from(["earn", "spend", "redeem"]), st.integers(min_value=1, max_value=60)), max_size=25
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_balance_equals_the_sum_of_entries_and_never_goes_negative(users, places, ops):
    person = users["volunteer"].person
    with transaction.atomic():
        reward = Reward.objects.create(
            place=places.compounds[0], place_path=places.compounds[0].path, name="米", cost=25, stock=3
        )
        for i, (op, amount) in enumerate(ops):
            try:
                if op == "earn":
                    pts.points_credit(
                        person=person, kind="volunteer", amount=amount, reason="hours", source_key=f"e{i}"
                    )
                elif op == "spend":
                    pts.points_credit(
                        person=person, kind="volunteer", amount=-amount, reason="redeem", source_key=f"s{i}"
                    )
                else:
                    pts.reward_redeem(actor=users["volunteer"], reward_id=reward.pk)
            except (InvalidInput, Conflict):
                pass
            account = PointAccount.objects.filter(person=person, kind="volunteer").first()
            if account is not None:
                assert account.balance >= 0 and pts.ledger_consistent(account)
        reward.refresh_from_db()
        assert reward.stock + Redemption.objects.filter(reward=reward).count() == 3
        transaction.set_rollback(True)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_taking_the_last_reward_at_the_same_moment_have_exactly_one_winner():
    if connection.vendor != "postgresql":
        pytest.skip("real row-lock concurrency needs PostgreSQL")
    from linli.accounts.models import User
    from linli.places.models import Place
    from tests.conftest import build_demo

    if not Place.objects.exists():
        build_demo()
    community, volunteer, resident = (User.objects.get(username=n) for n in ("community", "volunteer", "resident"))
    for u in (volunteer, resident):
        pts.points_credit(person=u.person, kind="volunteer", amount=100, reason="manual", source_key="seed")
    compound = Place.objects.filter(kind="compound").order_by("path").first()
    reward = pts.reward_create(actor=community, place_id=compound.pk, name="最后一袋米", cost=60, stock=1)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def redeem(user):
        from django.db import connections

        try:
            barrier.wait()
            pts.reward_redeem(actor=user, reward_id=reward.pk)
            outcomes.append("won")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=redeem, args=(u,)) for u in (volunteer, resident)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcomes) == ["conflict", "won"]
    reward.refresh_from_db()
    assert reward.stock == 0
    assert sum(a.balance for a in PointAccount.objects.filter(kind="volunteer")) == 140
