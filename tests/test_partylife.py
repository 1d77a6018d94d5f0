"""Party branch life: scoping by the party org tree, meetings, attendance, study, figures, bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from linli.core.errors import Conflict, InvalidInput, NotFound
from linli.orgs.models import PartyOrg
from linli.partylife import services as s
from linli.partylife import services_study as st
from linli.partylife.models import Attendance, Meeting, MeetingStatus, Membership, StudyCompletion
from linli.partylife.scoping import party_scope
from linli.partylife.selectors import branch_figures, branches_behind, window_of
from linli.people.models import Person, Position

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def party(users: dict[str, Any], places: Any) -> Any:
    """The first compound's branch, its secretary as a user, and four members in it."""
    from linli.accounts.models import User

    class P:
        pass

    p = P()
    pos = Position.objects.filter(kind="branch_secretary", place=places.compounds[0]).select_related("party_org").get()
    p.branch = pos.party_org
    p.other_branch = Position.objects.filter(kind="branch_secretary", place=places.compounds[1]).get().party_org
    p.secretary = User.objects.create_user(username="secretary", password="x", person=pos.person)
    Person.objects.filter(pk=pos.person_id).update(is_party_member=True)
    taken = User.objects.exclude(person=None).values("person_id")
    people = list(
        Person.objects.filter(place_path__startswith=places.compounds[0].path).exclude(pk__in=taken).order_by("id")[:5]
    )
    Person.objects.filter(pk__in=[x.pk for x in people]).update(is_party_member=True)
    p.members = [pos.person, *[x for x in people if x.pk != pos.person_id][:4]]
    for i, person in enumerate(p.members):
        s.membership_add(
            actor=users["admin"],
            branch_id=p.branch.pk,
            person_id=person.pk,
            joined_on=dt.date(2024, 1, 1),
            is_elderly_or_infirm=i == 4,
        )
    p.member_user = User.objects.create_user(username="member1", password="x", person=p.members[1])
    p.outsider = Person.objects.filter(place_path__startswith=places.compounds[1].path).exclude(pk__in=taken).first()
    Person.objects.filter(pk=p.outsider.pk).update(is_party_member=True)
    s.membership_add(
        actor=users["admin"], branch_id=p.other_branch.pk, person_id=p.outsider.pk, joined_on=dt.date(2024, 1, 1)
    )
    p.outsider_user = User.objects.create_user(username="outsider", password="x", person=p.outsider)
    return p


def test_a_grid_worker_who_is_no_party_officer_sees_no_party_data(users: Any, party: Any) -> None:
    s.meeting_plan(actor=party.secretary, branch_id=party.branch.pk, kind="theme_day", title="主题党日", date=TODAY)
    assert party_scope(users["grid"]).empty
    assert Meeting.objects.visible_to(users["grid"]).count() == 0
    assert Membership.objects.visible_to(users["grid"]).count() == 0
    assert Membership.objects.visible_to(users["resident"]).count() == 0


def test_a_branch_secretary_sees_only_their_own_branch(party: Any) -> None:
    s.meeting_plan(actor=party.secretary, branch_id=party.branch.pk, kind="theme_day", title="本支部", date=TODAY)
    scope = party_scope(party.secretary)
    assert scope.paths == (party.branch.path,)
    members = Membership.objects.visible_to(party.secretary)
    assert set(members.values_list("branch_id", flat=True)) == {party.branch.pk}
    assert members.count() == 5
    with pytest.raises(NotFound):
        s.meeting_plan(actor=party.secretary, branch_id=party.other_branch.pk, kind="theme_day", title="x", date=TODAY)


def test_street_and_community_leaders_see_through_their_committee(users: Any, party: Any) -> None:
    street_scope = party_scope(users["street"])
    working = PartyOrg.objects.get(kind="working_committee")
    assert street_scope.paths == (working.path,)
    assert Membership.objects.visible_to(users["street"]).count() == 6
    assert Membership.objects.visible_to(users["admin"]).count() >= 6


def test_a_member_signs_in_once_and_not_to_another_branch(party: Any) -> None:
    meeting = s.meeting_plan(actor=party.secretary, branch_id=party.branch.pk, kind="theme_day", title="t", date=TODAY)
    s.meeting_sign_in(actor=party.member_user, meeting_id=meeting.pk)
    with pytest.raises(Conflict):
        s.meeting_sign_in(actor=party.member_user, meeting_id=meeting.pk)
    with pytest.raises(NotFound):  # another branch's meeting is answered as if it did not exist
        s.meeting_sign_in(actor=party.outsider_user, meeting_id=meeting.pk)
    assert Attendance.objects.filter(meeting=meeting).count() == 1


def test_attendance_twice_is_refused_and_absence_needs_a_reason(party: Any) -> None:
    meeting = s.meeting_plan(actor=party.secretary, branch_id=party.branch.pk, kind="committee", title="t", date=TODAY)
    with pytest.raises(InvalidInput) as err:
        s.attendance_record(actor=party.secretary, meeting_id=meeting.pk, person_id=party.members[2].pk, status="leave")
    assert err.value.field == "reason"
    s.attendance_record(
        actor=party.secretary, meeting_id=meeting.pk, person_id=party.members[2].pk, status="leave", reason="住院"
    )
    with pytest.raises(Conflict):
        s.attendance_record(
            actor=party.secretary, meeting_id=meeting.pk, person_id=party.members[2].pk, status="present"
        )
    with pytest.raises(InvalidInput):
        s.attendance_record(actor=party.secretary, meeting_id=meeting.pk, person_id=party.outsider.pk, status="present")
    assert list(Attendance.objects.filter(meeting=meeting).values_list("reason", flat=True)) == ["住院"]


def test_a_meeting_dated_before_the_branch_was_founded_is_refused(party: Any) -> None:
    s.branch_set_founded(actor=party.secretary, branch_id=party.branch.pk, founded_on=dt.date(2020, 5, 1))
    with pytest.raises(InvalidInput) as err:
        s.meeting_plan(
            actor=party.secretary, branch_id=party.branch.pk, kind="lecture", title="t", date=dt.date(2019, 1, 1)
        )
    assert err.value.field == "date"
    assert not Meeting.objects.filter(branch=party.branch).exists()


def test_transferring_a_member_who_is_not_in_the_branch_is_refused(party: Any) -> None:
    with pytest.raises(InvalidInput) as err:
        s.membership_transfer_out(
            actor=party.secretary,
            branch_id=party.branch.pk,
            person_id=party.outsider.pk,
            left_on=TODAY,
            to="某单位党支部",
        )
    assert err.value.field == "person_id"
    assert Membership.objects.get(person=party.outsider).left_on is None
    s.membership_transfer_out(
        actor=party.secretary,
        branch_id=party.branch.pk,
        person_id=party.members[3].pk,
        left_on=TODAY,
        to="某单位党支部",
    )
    assert Membership.objects.get(person=party.members[3]).transferred_out_to == "某单位党支部"


def test_a_person_already_in_a_branch_cannot_join_another(users: Any, party: Any) -> None:
    with pytest.raises(Conflict):
        s.membership_add(
            actor=users["admin"], branch_id=party.other_branch.pk, person_id=party.members[1].pk, joined_on=TODAY
        )


def test_minutes_mark_the_meeting_held_and_absentees_count_in_the_attendance_rate(party: Any) -> None:
    start, end = window_of("quarter", TODAY)
    before = branch_figures([party.branch], start, end)[0]
    meeting = s.meeting_plan(actor=party.secretary, branch_id=party.branch.pk, kind="theme_day", title="t", date=TODAY)
    for m in party.members[:3]:
        Attendance.objects.create(meeting=meeting, person=m, status="present")
    s.attendance_record(
        actor=party.secretary, meeting_id=meeting.pk, person_id=party.members[3].pk, status="leave", reason="出差"
    )
    s.meeting_record_minutes(actor=party.secretary, meeting_id=meeting.pk, minutes="学习了……")
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.HELD
    after = branch_figures([party.branch], start, end)[0]
    assert after.held.get("theme_day", 0) == before.held.get("theme_day", 0) + 1
    assert after.attendance_rows == 5 and after.present == 3
    assert after.attendance_rate == pytest.approx(0.6)
    assert Attendance.objects.get(meeting=meeting, person=party.members[4]).reason == "未签到"


def test_a_delivered_study_counts_as_completion(party: Any) -> None:
    material = st.study_material_add(actor=party.secretary, org_id=party.branch.pk, title="党史学习", body="第一章")
    st.study_complete(actor=party.member_user, material_id=material.pk)
    st.study_deliver(
        actor=party.secretary,
        material_id=material.pk,
        person_id=party.members[4].pk,
        delivered_by_id=party.members[1].pk,
        on=TODAY,
        note="送书上门",
    )
    with pytest.raises(Conflict):
        st.study_deliver(
            actor=party.secretary,
            material_id=material.pk,
            person_id=party.members[4].pk,
            delivered_by_id=party.members[1].pk,
            on=TODAY,
        )
    fig = branch_figures([party.branch], *window_of("quarter", TODAY))[0]
    assert (fig.completed, fig.assigned, fig.delivered) == (2, 5, 1)
    assert StudyCompletion.objects.get(person=party.members[4]).method == "delivered"


def test_a_branch_without_monthly_meetings_is_listed_behind(users: Any, party: Any) -> None:
    s.branch_set_founded(actor=party.secretary, branch_id=party.branch.pk, founded_on=dt.date(2020, 1, 1))
    rows = branches_behind(party.secretary, today=dt.date(TODAY.year, 4, 15))
    kinds = {r.kind_label for r in rows}
    assert "支委会" in kinds and all(r.branch == party.branch for r in rows)
    committee = next(r for r in rows if r.kind_label == "支委会")
    assert (committee.missed_periods, committee.required) == (3, 3)
    assert branches_behind(users["grid"], today=dt.date(TODAY.year, 4, 15)) == []


def test_a_frequency_rule_per_branch_overrides_the_default(party: Any) -> None:
    s.meeting_rule_set(actor=party.secretary, branch_id=party.branch.pk, kind="lecture", period="month", times=2)
    fig = branch_figures([party.branch], dt.date(2026, 1, 1), dt.date(2026, 3, 31))[0]
    other = branch_figures([party.other_branch], dt.date(2026, 1, 1), dt.date(2026, 3, 31))[0]
    assert fig.required["lecture"] == 6 and other.required["lecture"] == 1


def test_secretary_register_mentoring_and_recognition(party: Any) -> None:
    rec = st.secretary_register(
        actor=party.secretary,
        branch_id=party.branch.pk,
        person_id=party.members[0].pk,
        filed_on=TODAY,
        term_start=dt.date(2024, 1, 1),
        term_end=dt.date(2028, 12, 31),
        qualifications="“四有”",
    )
    assert rec.filed_with.kind == "committee"
    with pytest.raises(Conflict):
        st.secretary_register(
            actor=party.secretary,
            branch_id=party.branch.pk,
            person_id=party.members[1].pk,
            filed_on=TODAY,
            term_start=dt.date(2025, 1, 1),
            term_end=dt.date(2027, 1, 1),
        )
    pair = st.mentoring_pair_add(
        actor=party.secretary,
        org_id=party.branch.pk,
        mentor_id=party.members[0].pk,
        mentee_id=party.members[1].pk,
        started_on=dt.date(2025, 3, 1),
    )
    st.mentoring_session_add(actor=party.secretary, pair_id=pair.pk, held_on=dt.date(2025, 4, 1), topic="议事规则")
    with pytest.raises(InvalidInput):
        st.mentoring_session_add(actor=party.secretary, pair_id=pair.pk, held_on=dt.date(2025, 1, 1), topic="早于结对")
    st.recognition_add(actor=party.secretary, org_id=party.branch.pk, kind="org", year=2025, level="street")
    with pytest.raises(InvalidInput):
        st.recognition_add(actor=party.secretary, org_id=party.branch.pk, kind="member", year=2025, level="street")
    with pytest.raises(NotFound):
        st.recognition_add(actor=party.secretary, org_id=party.other_branch.pk, kind="org", year=2025, level="street")


def test_figures_count_in_service_members_reporting_to_the_community_and_their_confirmed_hours(
    users: Any, party: Any, places: Any, api_as: Any, client_as: Any
) -> None:
    from decimal import Decimal

    from linli.accounts.models import User
    from linli.volunteering import services as vs
    from linli.volunteering.models import Activity, Signup, WorkplaceRegistration

    reporter, pending, retired = party.members[1], party.members[2], party.members[3]
    Membership.objects.filter(person__in=[reporter, pending]).update(employment="in_service")
    for person in (reporter, pending, retired):
        person.refresh_from_db()
    reg = vs.registration_submit(actor=party.member_user, workplace_name="区税务局机关党支部")
    vs.registration_decide(actor=users["community"], registration_id=reg.pk, approve=True)
    retired_user = User.objects.create_user(username="retired", password="x", person=retired)
    retired_reg = vs.registration_submit(actor=retired_user, workplace_name="原单位")
    vs.registration_decide(actor=users["community"], registration_id=retired_reg.pk, approve=True)
    pending_user = User.objects.create_user(username="pending", password="x", person=pending)
    vs.registration_submit(actor=pending_user, workplace_name="某公司党支部")
    assert WorkplaceRegistration.objects.filter(status="approved").count() == 2

    start, end = window_of("quarter", TODAY)
    place = places.compounds[0]

    def activity(day: dt.date) -> Activity:
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
        return Activity.objects.create(
            place=place, place_path=place.path, title="清洁家园", starts_at=at,
            ends_at=at + dt.timedelta(hours=3), capacity=10, status="published",
        )  # fmt: skip

    def signup(act: Activity, person: Person, hours: str | None, confirmed: bool) -> None:
        Signup.objects.create(
            activity=act, person=person, place_path=place.path, status="signed",
            hours=Decimal(hours) if hours else None, confirmed_at=timezone.now() if confirmed else None,
        )  # fmt: skip

    inside, outside = activity(start + dt.timedelta(days=3)), activity(start - dt.timedelta(days=3))
    signup(inside, reporter, "2.5", True)
    signup(outside, reporter, "4.0", True)
    signup(inside, retired, "3.0", True)
    second = activity(start + dt.timedelta(days=5))
    signup(second, reporter, "1.0", False)
    signup(second, pending, "2.0", True)

    fig = branch_figures([party.branch], start, end)[0]
    assert (fig.in_service, fig.reporting, fig.reporting_hours) == (2, 1, Decimal("2.5"))
    other = branch_figures([party.other_branch], start, end)[0]
    assert (other.reporting, other.reporting_hours) == (0, Decimal("0"))

    api = api_as("street").get(f"/api/v1/party-life/branches/{party.branch.pk}/figures?period=quarter&day={start}")
    assert (api.json()["reporting_members"], api.json()["reporting_hours"]) == (1, 2.5)
    page = client_as("street").get(f"/party-life/figures/?period=quarter&day={start}").content.decode()
    assert '<td data-metric="reporting">1</td><td data-metric="reporting-hours">2.5</td>' in page
