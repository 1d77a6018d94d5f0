"""generate_module_volume on the test street (one year, a few thousand rows, a few seconds): the records it writes
are ones the modules' own pages count as their definitions say — each figures page shows what the raw rows give
when counted by hand — and the maintained totals (point balances, activities' sign-up counts) agree with the rows
they sum. A second run and bad input are refused with a clear message."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import timezone

from linli.core.scale.generate import generate_requests
from linli.core.scale.volume import generate_module_volume
from linli.places.models import Place, PlaceKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def volume(users: dict[str, Any]) -> Any:
    generate_requests(count=150, seed=2, days=300)  # some raised on visits (source 走访): each gets its visit
    return generate_module_volume(years=1, seed=11)


def _street() -> Place:
    return Place.objects.get(kind=PlaceKind.STREET)


def _local_day(at: dt.datetime) -> dt.date:
    return timezone.localtime(at).date()


def test_every_module_gets_records_and_the_report_counts_them(volume: Any) -> None:
    from linli.partylife.models import Attendance
    from linli.visits.models import Visit
    from linli.volunteering.models import PointEntry

    for label in ("visits", "party meeting attendance", "activity sign-ups", "point entries", "duty shifts",
                  "deliberation meetings", "legal sessions", "community workers", "service items",
                  "owners' committee members", "compound charters"):  # fmt: skip
        assert volume.rows[label] > 0, label
    assert volume.rows["visits"] == Visit.objects.count()
    assert volume.rows["party meeting attendance"] == Attendance.objects.count()
    assert volume.rows["point entries"] == PointEntry.objects.count()


def test_the_visits_figures_page_shows_what_the_visit_rows_give(volume: Any, client_as: Any) -> None:
    from linli.tickets.models import Source, Ticket
    from linli.visits.models import Finding, Visit, VisitKind

    street = _street()
    until = timezone.localdate()
    since = until - dt.timedelta(days=200)
    page = client_as("admin").get(f"/visits/figures/?node={street.pk}&since={since}&until={until}")
    assert page.status_code == 200
    shown = page.context["r"].total
    counted = [v for v in Visit.objects.all() if since <= _local_day(v.visited_at) <= until]
    assert shown.visits == len(counted) > 0
    assert shown.households == len({v.household_id for v in counted if v.household_id})
    assert shown.people_served == sum(v.people_served for v in counted)
    assert shown.hazard_checks == sum(1 for v in counted if v.kind == VisitKind.HAZARD)
    ids = {v.pk for v in counted}
    findings = [f for f in Finding.objects.select_related("ticket") if f.visit_id in ids]
    assert shown.problems_found == len(findings) > 0
    solved = [f for f in findings if f.solved_on_spot or (f.ticket and f.ticket.resolved_at)]
    assert shown.problems_solved == len(solved)
    # a request raised on a visit comes with that visit (to a household of its building, just before) and finding
    raised = Ticket.objects.filter(source=Source.VISIT)
    assert raised.exists()
    for ticket in raised:
        finding = Finding.objects.select_related("visit__household").get(ticket=ticket)
        assert finding.visit.household.place_path.startswith(ticket.place_path)
        assert dt.timedelta(0) < ticket.submitted_at - finding.visit.visited_at <= dt.timedelta(hours=2)
    # each visit names residents of its own household, as many as it says it served
    for visit in Visit.objects.filter(household__isnull=False).prefetch_related("persons")[:300]:
        met = list(visit.persons.all())
        assert all(p.household_id == visit.household_id for p in met)
        assert visit.people_served == len(met)


def test_points_balances_are_the_sum_of_their_entries_and_awards_match_their_sources(volume: Any) -> None:
    from linli.volunteering.models import (
        Activity,
        EntryReason,
        PointAccount,
        PointEntry,
        PointKind,
        Signup,
        SignupStatus,
        Wish,
    )
    from linli.volunteering.points import EARN_REASONS, ledger_consistent

    for account in PointAccount.objects.all():
        assert ledger_consistent(account)
        earned = PointEntry.objects.filter(account=account, reason__in=EARN_REASONS).aggregate(s=Sum("amount"))["s"]
        assert account.earned == (earned or 0)
        if account.kind == PointKind.PARTY:
            assert account.person.is_party_member
    signups = {s.pk: s for s in Signup.objects.select_related("activity")}
    wishes = {w.pk: w for w in Wish.objects.all()}
    for entry in PointEntry.objects.select_related("account"):
        kind, _, pk = entry.source_key.partition(":")
        if kind == "activity":
            signup = signups[int(pk)]
            assert signup.person_id == entry.account.person_id and signup.confirmed_at == entry.at
            if entry.account.kind == PointKind.VOLUNTEER:
                assert entry.amount == int(signup.hours * signup.activity.points_per_hour)
        else:
            assert kind == "wish" and entry.reason == EntryReason.WISH
            assert wishes[int(pk)].claimed_by_id == entry.account.person_id
    assert (
        PointEntry.objects.filter(source_key__startswith="activity:").count()
        >= Signup.objects.filter(confirmed_at__isnull=False).count()
    )
    for activity in Activity.objects.all():
        signed = Signup.objects.filter(activity=activity, status=SignupStatus.SIGNED).count()
        assert activity.signed_count == signed <= activity.capacity
    # confirmed hours are the time of the activity itself (check-in before it starts, check-out after it ends)
    for signup in Signup.objects.filter(confirmed_at__isnull=False).select_related("activity")[:200]:
        length = (signup.activity.ends_at - signup.activity.starts_at).total_seconds() / 3600
        assert signup.hours == Decimal(length)


def test_the_party_life_figures_page_counts_the_meeting_and_attendance_rows(volume: Any, client_as: Any) -> None:
    from linli.partylife.models import Attendance, AttendanceStatus, Meeting, MeetingStatus
    from linli.partylife.selectors import window_of

    day = timezone.localdate() - dt.timedelta(days=100)
    start, end = window_of("quarter", day)
    page = client_as("admin").get(f"/party-life/figures/?period=quarter&day={day}")
    assert page.status_code == 200
    rows = page.context["rows"]
    assert rows
    for row in rows:
        held = Meeting.objects.filter(branch=row.branch, status=MeetingStatus.HELD, date__gte=start, date__lte=end)
        assert row.held_total == held.count()
        rolls = Attendance.objects.filter(meeting__in=held)
        assert row.attendance_rows == rolls.count()
        assert row.present == rolls.filter(status=AttendanceStatus.PRESENT).count()
    assert sum(row.held_total for row in rows) > 0
    assert sum(row.required_total for row in rows) > 0


def test_the_reporting_assessment_counts_the_reported_members_and_their_services(volume: Any, client_as: Any) -> None:
    from linli.volunteering.models import RegistrationStatus, Signup, WorkplaceRegistration

    street = _street()
    year = timezone.localdate().year
    page = client_as("admin").get(f"/volunteering/reporting/?place={street.pk}&year={year}")
    assert page.status_code == 200
    total = page.context["a"].total
    approved = WorkplaceRegistration.objects.filter(status=RegistrationStatus.APPROVED)
    assert total.reported == approved.count() > 0
    people = set(approved.values_list("person_id", flat=True))
    services = [
        s
        for s in Signup.objects.filter(person_id__in=people, confirmed_at__isnull=False).select_related("activity")
        if timezone.localtime(s.activity.starts_at).year == year
    ]
    assert total.services == len(services)
    assert total.hours == sum((s.hours for s in services), Decimal(0))


def test_the_committee_oversight_counts_held_meetings_and_the_secretary_at_them(volume: Any, client_as: Any) -> None:
    from linli.deliberation.models import Meeting, MeetingKind, MeetingSignIn, MeetingStatus

    street = _street()
    end = timezone.localdate()
    start = end - dt.timedelta(days=300)
    page = client_as("admin").get(f"/deliberation/committee-meetings/?node={street.pk}&start={start}&end={end}")
    assert page.status_code == 200
    total = page.context["o"].total
    held = [
        m
        for m in Meeting.objects.filter(kind=MeetingKind.OWNERS_COMMITTEE, status=MeetingStatus.HELD)
        if start <= _local_day(m.starts_at) <= end
    ]
    assert total.held == len(held) > 0
    secretaries = {
        m.pk
        for m in held
        for s in MeetingSignIn.objects.filter(meeting=m)
        if s.person.positions.filter(kind="branch_secretary", place_id=m.place_id).exists()
    }
    assert total.attended == len(secretaries) > 0


def test_rota_workforce_guide_and_legal_figures_add_up(volume: Any, client_as: Any) -> None:
    from linli.deliberation.models import LegalSession, LegalSessionStatus
    from linli.rota.models import DutyShift, ShiftStatus
    from linli.workforce.models import Worker

    street = _street()
    admin = client_as("admin")
    today = timezone.localdate()
    since = today - dt.timedelta(days=120)
    rota = admin.get(f"/rota/figures/?node={street.pk}&since={since}&until={today}").context["figures"]
    desks = rota.desks
    assert (
        desks
        and sum(d.shifts for d in desks)
        == DutyShift.objects.filter(rest_day=True, day__gte=since, day__lte=today).count()
    )
    for desk in desks:
        assert desk.earned == desk.checked_in == desk.taken + desk.pending + desk.expired + desk.outstanding
        assert (
            desk.checked_in
            == DutyShift.objects.filter(
                desk=desk.desk, status=ShiftStatus.CHECKED_IN, day__gte=since, day__lte=today
            ).count()
        )
    workforce = admin.get(f"/workforce/figures/?node={street.pk}").context["f"]
    in_post = Worker.objects.filter(hired_on__lte=today).exclude(left_on__lte=today)
    assert workforce.all_kinds == in_post.count() > 0
    guide = admin.get(f"/guide/figures/?node={street.pk}").context["f"]
    assert sum(c.published for c in guide.communities) > 0
    year_start = today.replace(month=1, day=1)
    legal = admin.get(f"/deliberation/legal-sessions/figures/?node={street.pk}&start={year_start}&end={today}")
    held = LegalSession.objects.filter(status=LegalSessionStatus.HELD, held_on__gte=year_start, held_on__lte=today)
    assert legal.context["f"].sessions_held == held.count()


def test_records_follow_the_calendar_and_the_people_in_post(volume: Any) -> None:
    from linli.people.models import Position
    from linli.rota.models import CompDay
    from linli.visits.models import Visit
    from linli.workdays.services import is_working_day

    now = timezone.now()
    assert not Visit.objects.filter(visited_at__gt=now).exists()
    authors = Counter(Visit.objects.values_list("visitor_person_id", flat=True))
    in_post = set(
        Position.objects.filter(kind__in=["grid_worker", "community_secretary", "community_staff"]).values_list(
            "person_id", flat=True
        )
    )
    assert set(authors) <= in_post
    assert all(is_working_day(c.day) for c in CompDay.objects.all())
    for comp in CompDay.objects.select_related("shift"):
        assert comp.shift.person_id == comp.person_id and comp.day <= comp.shift.comp_until


def test_a_second_run_and_bad_input_are_refused(volume: Any, settings: Any) -> None:
    settings.DEBUG = True
    with pytest.raises(CommandError, match="already hold records"):
        call_command("generate_module_volume", "--years", "1")
    for years in ("0", "-2", "11"):
        with pytest.raises(CommandError, match="years must be between 1 and 10"):
            call_command("generate_module_volume", "--years", years)


def test_the_command_refuses_with_debug_off(settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1 or --force"):
        call_command("generate_module_volume")


def test_every_big_committee_member_sits_in_a_community_of_its_own_street(
    users: Any, places: Any, client_as: Any
) -> None:
    """At scale the 大党委 members were written without a community and listed as 未指定社区. Now each sits on the
    大党委 of its own community, or — registered at its street — on the street's 大工委 and, in turn, on one of the
    street's communities' 大党委; a unit whose street has no community is on no 大党委 (it cannot name one)."""
    from linli.cobuilding import selectors as cobuilding
    from linli.cobuilding.models import PartnerProfile
    from linli.orgs.models import Organisation, OrganisationKind
    from linli.places.services import place_create

    street, first, second = places.street, places.communities[0], places.other_community
    at_street = list(
        Organisation.objects.filter(kind=OrganisationKind.PARTNER_UNIT, place_path=street.path).order_by("pk")
    )
    assert len(at_street) == 3 and places.communities == [first, second]
    local = Organisation.objects.create(
        kind=OrganisationKind.PARTNER_UNIT, name="滨湖社区卫生服务站党支部", home=second, place_path=second.path
    )
    empty_street = place_create(
        actor=users["admin"], parent=Place.objects.get(kind=PlaceKind.DISTRICT), kind="street", name="新设街道"
    )
    stray = Organisation.objects.create(
        kind=OrganisationKind.PARTNER_UNIT, name="新设街道共建单位", home=empty_street, place_path=empty_street.path
    )

    generate_module_volume(years=1, seed=11, only=["co-building"])

    profiles = {p.organisation_id: p for p in PartnerProfile.objects.select_related("big_committee_community")}
    # by hand: the street's three units take its two communities in turn, in id order; the local unit its own
    assert {pk: p.big_committee_community_id for pk, p in profiles.items()} == {
        at_street[0].pk: first.pk,
        at_street[1].pk: second.pk,
        at_street[2].pk: first.pk,
        local.pk: second.pk,
        stray.pk: None,
    }
    assert {pk for pk, p in profiles.items() if p.big_committee} == {*(u.pk for u in at_street), local.pk}
    assert {pk for pk, p in profiles.items() if p.street_big_committee} == {u.pk for u in at_street}
    for p in profiles.values():
        if p.big_committee_community is not None:
            assert p.big_committee_community.kind == PlaceKind.COMMUNITY
            assert p.big_committee_community.path.startswith(p.place_path[: 2 * Place.steplen])

    rosters = cobuilding.committee_rosters(users["admin"])
    assert [(c.place.pk if c.place else None, len(c.members)) for c in rosters.communities] == [
        (first.pk, 2),
        (second.pk, 2),
    ]  # no 未指定社区 row
    assert (rosters.street_committees, rosters.street_members) == (1, 3)
    assert (rosters.community_committees, rosters.community_members) == (2, 4)
    page = client_as("street").get("/co-building/partners/").content.decode()
    assert "未指定社区" not in page and "社区大党委 2 个,成员单位 4 个" in page
