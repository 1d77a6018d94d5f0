"""业委会会议监督 (seed 002: 建立"小区党支部先议"和"小区书记列席业委会会议"等制度): a 业委会会议 is held at a compound;
staff record the branch secretary's attendance when they did not scan; the oversight figures count meetings held,
those the compound's secretary attended, and the agenda topics the branch discussed first — five statements."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.deliberation.models import MeetingSignIn
from linli.deliberation.selectors_oversight import committee_oversight, meeting_attendance
from linli.deliberation.services_meetings import (
    agenda_add,
    meeting_invite,
    meeting_plan,
    meeting_record_attendance,
    meeting_record_minutes,
)
from linli.deliberation.services_topics import topic_raise
from linli.orgs.models import Organisation
from linli.people.models import Person, Position

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START = TODAY - dt.timedelta(days=60)


@pytest.fixture
def compound(places: Any) -> Any:
    return places.compounds[0]


@pytest.fixture
def secretary(compound: Any) -> Person:
    return Position.objects.get(kind="branch_secretary", place=compound, end_date__isnull=True).person


def meeting(users: Any, place: Any, *, kind: str = "owners_committee", days_ago: int = 10, held: bool = True) -> Any:
    m = meeting_plan(
        actor=users["community"], place=place, kind=kind, title=f"{place.name}会议", location="小区议事厅",
        starts_at=timezone.now() - dt.timedelta(days=days_ago),
    )  # fmt: skip
    if held:
        meeting_record_minutes(actor=users["community"], meeting=m, minutes="会议纪要")
    return m


def on_agenda(users: Any, m: Any, topic: Any) -> None:
    # the agenda is built while the meeting is planned; minutes (held) come after
    m.status = "planned"
    m.save(update_fields=["status"])
    agenda_add(actor=users["community"], meeting=m, topic=topic)
    meeting_record_minutes(actor=users["community"], meeting=m, minutes="会议纪要")


def figures(users: Any, node: Any, *, who: str = "street") -> Any:
    return committee_oversight(users[who], node=node, start=START, end=TODAY)


def row_of(o: Any, compound: Any) -> Any:
    return next(c for c in o.compounds if c.compound_id == compound.pk)


def test_an_owners_committee_meeting_is_held_at_a_compound(users, places):
    with pytest.raises(InvalidInput) as exc:
        meeting(users, places.communities[0])
    assert exc.value.field == "place_id" and "小区" in exc.value.message


def test_the_secretary_recorded_by_staff_counts_as_attending_and_the_meeting_page_says_so(
    users, compound, secretary, client_as
):
    attended, absent = meeting(users, compound), meeting(users, compound, days_ago=20)
    meeting_record_attendance(actor=users["community"], meeting=attended, person=secretary)
    row = row_of(figures(users, compound), compound)
    assert (row.held, row.attended, row.attendance_rate) == (2, 1, 50.0)
    assert MeetingSignIn.objects.get(meeting=attended, person=secretary).via_qr is False
    assert AuditEvent.objects.filter(action="meeting.attendance_recorded").latest("id").detail["person"] == secretary.pk
    page = client_as("community").get(f"/deliberation/meetings/{attended.pk}/").content.decode()
    assert 'data-present="yes"' in page and secretary.name in page
    assert 'data-present="no"' in client_as("community").get(f"/deliberation/meetings/{absent.pk}/").content.decode()


def test_recording_the_same_person_twice_is_a_conflict_and_someone_from_elsewhere_is_refused(
    users, compound, secretary, places
):
    m = meeting(users, compound)
    meeting_record_attendance(actor=users["community"], meeting=m, person=secretary)
    with pytest.raises(Conflict):
        meeting_record_attendance(actor=users["community"], meeting=m, person=secretary)
    stranger = Person.objects.exclude(place_path__startswith=compound.path).exclude(positions__isnull=False).first()
    with pytest.raises(InvalidInput) as exc:
        meeting_record_attendance(actor=users["community"], meeting=m, person=stranger)
    assert exc.value.field == "person_id"
    with pytest.raises(Forbidden):
        meeting_record_attendance(actor=users["grid"], meeting=m, person=secretary)
    assert MeetingSignIn.objects.filter(meeting=m).count() == 1


def test_a_planned_meeting_and_a_meeting_outside_the_period_are_not_counted(users, compound):
    meeting(users, compound, held=False)
    meeting(users, compound, days_ago=90)
    o = figures(users, compound)
    assert all(c.held == 0 for c in o.compounds)


def test_only_the_compounds_own_secretary_in_post_on_the_day_counts(users, compound, secretary, places):
    other_secretary = Position.objects.get(kind="branch_secretary", place=places.compounds[1], end_date__isnull=True)
    m = meeting(users, compound)
    meeting_invite(actor=users["community"], meeting=m, person=other_secretary.person)  # invited, so recordable
    meeting_record_attendance(actor=users["street"], meeting=m, person=other_secretary.person)
    assert row_of(figures(users, compound), compound).attended == 0
    Position.objects.filter(kind="branch_secretary", place=compound).update(
        start_date=TODAY - dt.timedelta(days=400), end_date=TODAY - dt.timedelta(days=30)
    )
    meeting_record_attendance(actor=users["community"], meeting=m, person=secretary)
    assert row_of(figures(users, compound), compound).attended == 0  # their post had ended before the meeting


def test_a_topic_the_branch_discussed_first_counts_as_prediscussed_and_a_later_or_unheld_branch_meeting_does_not(
    users, compound
):
    first = topic_raise(actor=users["community"], place=compound, title="电梯加装方案")
    later = topic_raise(actor=users["community"], place=compound, title="停车位分配")
    unheld = topic_raise(actor=users["community"], place=compound, title="外墙翻新")
    committee = meeting(users, compound, days_ago=10)
    for topic in (first, later, unheld):
        on_agenda(users, committee, topic)
    on_agenda(users, meeting(users, compound, kind="branch_first", days_ago=15), first)
    on_agenda(users, meeting(users, compound, kind="branch_first", days_ago=5), later)
    branch = meeting(users, compound, kind="branch_first", days_ago=20, held=False)
    agenda_add(actor=users["community"], meeting=branch, topic=unheld)
    row = row_of(figures(users, compound), compound)
    assert (row.topics, row.prediscussed, row.prediscussion_rate) == (3, 1, 33.3)


def test_a_registered_committee_without_meetings_is_counted_as_idle(users, places, compound):
    Organisation.objects.filter(kind="owners_committee").delete()
    for place in places.compounds[:2]:
        Organisation.objects.create(
            kind="owners_committee", name=f"{place.name}业委会", home=place, place_path=place.path
        )
    meeting(users, compound)
    o = figures(users, places.street)
    assert o.committees_without_meeting == 1
    idle = row_of(o, places.compounds[1])
    assert (idle.has_committee, idle.held, idle.attendance_rate) == (True, 0, None)


def test_the_figures_take_the_same_five_statements_for_a_compound_or_the_street_however_many_meetings(
    users, compound, secretary, places
):
    def counted(node: Any) -> int:
        with CaptureQueriesContext(connection) as ctx:
            figures(users, node)
        return len(ctx)

    m = meeting(users, compound)
    meeting_record_attendance(actor=users["community"], meeting=m, person=secretary)
    figures(users, compound)  # the user's positions are read once and kept on the user
    small = (counted(compound), counted(places.street))
    for days in (3, 4, 5):
        on_agenda(
            users,
            meeting(users, compound, days_ago=days),
            topic_raise(actor=users["community"], place=compound, title=f"议题{days}"),
        )
        meeting(users, places.compounds[1], days_ago=days)
    assert (counted(compound), counted(places.street)) == small
    assert small == (5, 5)


def test_the_figures_refuse_a_node_outside_the_scope_and_a_period_backwards(users, places):
    with pytest.raises(NotFound):
        committee_oversight(users["community"], node=places.street, start=START, end=TODAY)
    with pytest.raises(InvalidInput) as exc:
        committee_oversight(users["street"], node=places.street, start=TODAY, end=START)
    assert exc.value.field == "start"


def test_attendance_candidates_are_the_invited_and_the_secretaries_not_yet_signed_in(users, compound, secretary):
    m = meeting(users, compound)
    assert secretary in meeting_attendance(m).candidates
    meeting_record_attendance(actor=users["community"], meeting=m, person=secretary)
    attendance = meeting_attendance(m)
    assert secretary not in attendance.candidates and attendance.secretary_present


def test_the_page_records_attendance_and_the_oversight_page_and_api_show_the_compound(
    users, compound, secretary, client_as, api_as
):
    m = meeting(users, compound)
    client = client_as("community")
    client.post(f"/deliberation/meetings/{m.pk}/attendance/", {"person_id": secretary.pk})
    assert MeetingSignIn.objects.filter(meeting=m, person=secretary).exists()
    page = client_as("street").get(f"/deliberation/committee-meetings/?node={compound.pk}&start={START}").content
    assert f'data-place="{compound.pk}"'.encode() in page
    api = api_as("street").get(f"/api/v1/deliberation/committee-oversight?node={compound.pk}&start={START}&end={TODAY}")
    assert api.status_code == 200 and api.json()["total"]["attended"] == 1
    m2 = meeting(users, compound, days_ago=3)
    r = api_as("community").post(
        f"/api/v1/deliberation/meetings/{m2.pk}/attendance",
        {"person_id": secretary.pk},
        content_type="application/json",
    )
    assert r.status_code == 200
    again = api_as("community").post(
        f"/api/v1/deliberation/meetings/{m2.pk}/attendance",
        {"person_id": secretary.pk},
        content_type="application/json",
    )
    assert again.status_code == 409
