"""Race review (s12): check-then-insert and check-then-update paths that two concurrent requests
(a double-clicked submit, two staff on the same queue) can both pass on PostgreSQL.

Each test runs one service from several threads released together by a barrier, each thread on its
own connection, and asserts the state the promise "never lose anything, never double-apply" needs.
The review found nine such races, fixed in the same session: the owner/dwelling, correction, phone,
secretary-term, mentoring-pair, same-minute visit and visiting-rule checks now run under
``core.locks.serialize_on`` (a transaction-scoped lock on the rule's key), and resolving a correction and
adding to a meeting's agenda lock their row first.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 6


def _demo() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections (PostgreSQL)")
    from linli.places.models import Place
    from tests.conftest import build_demo

    if not Place.objects.exists():
        build_demo()


def _race(fn: Callable[[int], Any], n: int = THREADS) -> list[str]:
    """Run ``fn(i)`` in ``n`` threads at once; each outcome is "ok" or the exception's class name."""
    barrier = threading.Barrier(n)
    outcomes: list[str] = [""] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            fn(i)
            outcomes[i] = "ok"
        except Exception as exc:
            outcomes[i] = type(exc).__name__
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


def _slow_audit(monkeypatch: pytest.MonkeyPatch, module: str, seconds: float = 0.3) -> None:
    """Hold each transaction open a little after its insert, as a slow audit write or network would:
    the check-then-insert window then spans the other requests' checks on every run, not on most."""
    import importlib
    import time

    mod = importlib.import_module(module)
    original = mod.audit_record

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(seconds)
        return original(*args, **kwargs)

    monkeypatch.setattr(mod, "audit_record", slow)


def _user(name: str) -> Any:
    from linli.accounts.models import User

    return User.objects.select_related("person").get(username=name)


def _first_compound() -> Any:
    from linli.places.models import Place

    return Place.objects.filter(kind="compound").order_by("path").first()


# --- ledger: ownership (feeds owners' votes by area) --------------------------------------------


def test_a_double_submitted_ownership_is_recorded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    _demo()
    _slow_audit(monkeypatch, "linli.people.services")
    from linli.deliberation.models import Vote
    from linli.deliberation.services_votes import owner_voters
    from linli.people.models import Ownership, Person
    from linli.people.services import ownership_record
    from linli.places.models import Household

    community = _user("community")
    compound = _first_compound()
    household = Household.objects.filter(place_path__startswith=compound.path).order_by("id").first()
    person = Person.objects.filter(household=household).order_by("id").first()

    outcomes = _race(lambda i: ownership_record(actor=community, person=person, household=household, area_m2="90"))
    rows = Ownership.objects.filter(person=person, household=household, until__isnull=True).count()
    # what a vote opened now would give this owner: 90 m², not 90 × the number of rows
    areas = [
        v.area_m2
        for v in owner_voters(Vote(place_path=compound.path), timezone.localdate())
        if v.person_id == person.pk
    ]
    assert (rows, areas) == (1, [90])
    assert outcomes == ["Conflict"] * (THREADS - 1) + ["ok"]


# --- ledger: correction requests (PIPL Art. 46) -------------------------------------------------


def test_two_staff_resolving_one_correction_at_once_resolve_it_once() -> None:
    _demo()
    from linli.audit.models import AuditEvent
    from linli.people.models import CorrectionRequest
    from linli.people.services import correction_request, correction_resolve

    resident, community = _user("resident"), _user("community")
    correction = correction_request(actor=resident, field="workplace", requested_value="街道卫生服务中心")

    def resolve(i: int) -> None:
        row = CorrectionRequest.objects.select_related("person").get(pk=correction.pk)  # as the view loads it
        correction_resolve(actor=community, correction=row, accept=i % 2 == 0, note="核对" if i % 2 else "")

    outcomes = _race(resolve, n=2)
    resolved = AuditEvent.objects.filter(action="resident.correction_resolved").count()
    assert outcomes == ["Conflict", "ok"] and resolved == 1


def test_a_double_clicked_correction_request_opens_one_request(monkeypatch: pytest.MonkeyPatch) -> None:
    _demo()
    _slow_audit(monkeypatch, "linli.people.services")
    from linli.people.models import CorrectionRequest
    from linli.people.services import correction_request

    resident = _user("resident")
    outcomes = _race(lambda i: correction_request(actor=resident, field="workplace", requested_value="新单位"))
    assert CorrectionRequest.objects.filter(person=resident.person, field="workplace", status="open").count() == 1
    assert outcomes == ["Conflict"] * (THREADS - 1) + ["ok"]


def test_a_double_submitted_second_phone_is_stored_once(monkeypatch: pytest.MonkeyPatch) -> None:
    _demo()
    _slow_audit(monkeypatch, "linli.people.services")
    from linli.people.models import PersonPhone
    from linli.people.services import person_phone_add

    community = _user("community")
    person = _user("resident").person
    outcomes = _race(lambda i: person_phone_add(actor=community, person=person, phone="13912345678", label="女儿"))
    assert PersonPhone.objects.filter(person=person).count() == 1
    assert outcomes == ["Conflict"] * (THREADS - 1) + ["ok"]


# --- party life: secretaries and mentoring ------------------------------------------------------


def _branch_with_members(n: int) -> tuple[Any, list[Any]]:
    from linli.accounts.models import User
    from linli.partylife.services import membership_add
    from linli.people.models import Person, Position

    admin = _user("admin")
    compound = _first_compound()
    branch = Position.objects.filter(kind="branch_secretary", place=compound).select_related("party_org").first()
    assert branch is not None and branch.party_org is not None
    taken = User.objects.exclude(person=None).values("person_id")
    people = list(Person.objects.filter(place_path__startswith=compound.path).exclude(pk__in=taken).order_by("id")[:n])
    Person.objects.filter(pk__in=[p.pk for p in people]).update(is_party_member=True)
    for p in people:
        membership_add(actor=admin, branch_id=branch.party_org.pk, person_id=p.pk, joined_on=dt.date(2024, 1, 1))
    return branch.party_org, people


def test_two_secretaries_filed_at_once_for_one_term_give_one_record(monkeypatch: pytest.MonkeyPatch) -> None:
    _demo()
    _slow_audit(monkeypatch, "linli.partylife.services_study")
    from linli.partylife.models import SecretaryRecord
    from linli.partylife.services_study import secretary_register

    admin = _user("admin")
    branch, people = _branch_with_members(2)

    def file(i: int) -> None:
        secretary_register(
            actor=admin,
            branch_id=branch.pk,
            person_id=people[i % 2].pk,
            filed_on=timezone.localdate(),
            term_start=dt.date(2025, 1, 1),
            term_end=dt.date(2029, 12, 31),
        )

    outcomes = _race(file)
    assert SecretaryRecord.objects.filter(branch=branch).count() == 1
    assert outcomes == ["Conflict"] * (THREADS - 1) + ["ok"]


def test_a_double_submitted_mentoring_pair_is_created_once(monkeypatch: pytest.MonkeyPatch) -> None:
    _demo()
    _slow_audit(monkeypatch, "linli.partylife.services_study")
    from linli.partylife.models import MentoringPair
    from linli.partylife.services_study import mentoring_pair_add

    admin = _user("admin")
    branch, (mentor, mentee) = _branch_with_members(2)
    outcomes = _race(
        lambda i: mentoring_pair_add(
            actor=admin, org_id=branch.pk, mentor_id=mentor.pk, mentee_id=mentee.pk, started_on=dt.date(2025, 3, 1)
        )
    )
    assert MentoringPair.objects.filter(mentor=mentor, mentee=mentee, ended_on__isnull=True).count() == 1
    assert outcomes == ["Conflict"] * (THREADS - 1) + ["ok"]


# --- deliberation: a meeting's agenda -----------------------------------------------------------


def test_topics_added_to_one_agenda_at_once_get_distinct_positions() -> None:
    _demo()
    from linli.deliberation.models import AgendaItem
    from linli.deliberation.services_meetings import agenda_add, meeting_plan
    from linli.deliberation.services_topics import topic_raise

    community = _user("community")
    compound = _first_compound()
    meeting = meeting_plan(
        actor=community,
        place=compound,
        kind="joint",
        title="联席会议",
        location="社区会议室",
        starts_at=timezone.now() + dt.timedelta(days=2),
    )
    topics = [topic_raise(actor=community, place=compound, title=f"议题{i}") for i in range(THREADS)]
    outcomes = _race(lambda i: agenda_add(actor=community, meeting=meeting, topic=topics[i]))
    positions = list(AgendaItem.objects.filter(meeting=meeting).values_list("position", flat=True))
    assert outcomes == ["ok"] * THREADS
    assert sorted(positions) == list(range(1, THREADS + 1))


# --- visits --------------------------------------------------------------------------------------


def test_a_double_submitted_visit_without_a_key_is_recorded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    _demo()
    _slow_audit(monkeypatch, "linli.visits.services")
    from linli.places.models import Household
    from linli.visits.models import Visit
    from linli.visits.services import VisitInput, visit_record

    grid = _user("grid")
    from linli.people.models import Position

    pos = Position.objects.filter(person=grid.person).select_related("place").first()
    household = Household.objects.filter(place_path__startswith=pos.place.path).order_by("id").first()
    at = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=5)
    before = Visit.objects.filter(household=household).count()
    outcomes = _race(
        lambda i: visit_record(actor=grid, data=VisitInput(household_id=household.pk, visited_at=at, notes="入户"))
    )
    assert Visit.objects.filter(household=household).count() - before == 1
    assert outcomes == ["Conflict"] * (THREADS - 1) + ["ok"]


def test_a_visiting_rule_added_twice_at_once_is_active_once(monkeypatch: pytest.MonkeyPatch) -> None:
    _demo()
    _slow_audit(monkeypatch, "linli.visits.services_plans")
    from linli.visits.models import QuotaRule
    from linli.visits.services_plans import quota_rule_add

    admin = _user("admin")
    QuotaRule.objects.filter(position_kind="grid_worker").delete()
    outcomes = _race(
        lambda i: quota_rule_add(actor=admin, position_kind="grid_worker", period="week", mode="count", target=10)
    )
    assert QuotaRule.objects.filter(position_kind="grid_worker", active=True).count() == 1
    assert outcomes == ["InvalidInput"] * (THREADS - 1) + ["ok"]


# --- held: paths that are safe, covered nowhere else --------------------------------------------


def test_two_staff_merging_two_requests_into_each_other_leave_no_cycle() -> None:
    """ticket_merge locks the master then the duplicate: A→B and B→A at once either serialise (the
    second sees its master merged → Conflict) or deadlock (PostgreSQL aborts one). Never both."""
    _demo()
    from linli.tickets import transitions as tr
    from linli.tickets.models import Status, Ticket
    from linli.tickets.services import ticket_submit

    resident, grid = _user("resident"), _user("grid")
    a, _ = ticket_submit(actor=resident, description="楼道堆物 A")
    b, _ = ticket_submit(actor=resident, description="楼道堆物 B")
    pairs = [(a.pk, b.pk), (b.pk, a.pk)]
    outcomes = _race(lambda i: tr.ticket_merge(actor=grid, ticket_id=pairs[i][0], master_id=pairs[i][1]), n=2)
    merged = Ticket.objects.filter(pk__in=[a.pk, b.pk], status=Status.MERGED).count()
    assert outcomes.count("ok") == 1 and merged == 1


def test_a_wish_claimed_by_several_volunteers_at_once_has_one_claimant_and_one_award() -> None:
    """wish_claim locks the wish row; wish_confirm is idempotent on source_key under the account lock."""
    _demo()
    from linli.accounts.models import User
    from linli.volunteering import wishes as w
    from linli.volunteering.models import PointEntry, Wish

    resident, community, volunteer, grid = (_user(n) for n in ("resident", "community", "volunteer", "grid"))
    wish = w.wish_submit(actor=resident, title="想要一台收音机")
    w.wish_review(actor=community, wish_id=wish.pk, approve=True)
    claimants = [u for u in (volunteer, grid, community) if u.person_id and u.person_id != resident.person_id]
    outcomes = _race(lambda i: w.wish_claim(actor=claimants[i], wish_id=wish.pk), n=len(claimants))
    assert outcomes.count("ok") == 1 and set(outcomes) <= {"ok", "Conflict"}
    wish = Wish.objects.get(pk=wish.pk)
    claimant = User.objects.filter(person_id=wish.claimed_by_id).first()
    w.wish_fulfil(actor=claimant, wish_id=wish.pk, note="已送到")
    confirmed = _race(lambda i: w.wish_confirm(actor=resident, wish_id=wish.pk), n=3)
    assert confirmed == ["Conflict", "Conflict", "ok"]
    assert PointEntry.objects.filter(source_key=f"wish:{wish.pk}", account__kind="volunteer").count() == 1


def test_concurrent_manual_deductions_never_take_the_balance_below_zero() -> None:
    """points_manual_award locks the account: six deductions of 40 against a balance of 100 → two pass."""
    _demo()
    from linli.volunteering import points as pts
    from linli.volunteering.models import PointAccount

    community, volunteer = _user("community"), _user("volunteer")
    pts.points_credit(person=volunteer.person, kind="volunteer", amount=100, reason="manual", source_key="seed-s12")
    start = PointAccount.objects.get(person=volunteer.person, kind="volunteer").balance
    n = start // 40 + 3
    outcomes = _race(
        lambda i: pts.points_manual_award(
            actor=community,
            person_id=volunteer.person_id,
            kind="volunteer",
            amount=-40,
            note="扣分",
            request_key=f"d{i}",
        ),
        n=n,
    )
    account = PointAccount.objects.get(person=volunteer.person, kind="volunteer")
    assert outcomes.count("ok") == start // 40 and account.balance == start % 40
    assert pts.ledger_consistent(account)


def test_a_double_clicked_manual_award_with_one_request_key_credits_once() -> None:
    """The same request_key from a double-clicked form: the unique (account, source_key) and the account
    lock make it apply once."""
    _demo()
    from linli.volunteering import points as pts
    from linli.volunteering.models import PointEntry

    community, volunteer = _user("community"), _user("volunteer")
    _race(
        lambda i: pts.points_manual_award(
            actor=community,
            person_id=volunteer.person_id,
            kind="volunteer",
            amount=5,
            note="表扬",
            request_key="same-s12",
        )
    )
    assert PointEntry.objects.filter(source_key="manual:same-s12").count() == 1
