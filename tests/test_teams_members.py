"""Seating people on the posts of a compound's team and their leaving (定岗位): one service each, audited,
safe to repeat, refusals in Chinese naming the field."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.errors import Forbidden, InvalidInput
from linli.people.models import Person
from linli.people.services import person_move_out
from linli.places.models import Place
from linli.teams import selectors as sel
from linli.teams import services as s
from linli.teams import services_items as si
from linli.teams.models import TeamMember
from tests.teams_support import residents

pytestmark = pytest.mark.django_db


def test_a_community_worker_seats_a_resident_and_the_change_is_audited(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    person = residents(compound, 1)[0]
    member, created = s.member_add(
        actor=users["community"], compound=compound, post="volunteer", person=person, note="党员志愿者"
    )
    assert created and member.place_path == compound.path and member.started_on == timezone.localdate()
    event = AuditEvent.objects.get(action="teams.member_added", target_id=str(member.pk))
    assert event.actor == users["community"]
    assert event.detail["post"] == "volunteer" and event.detail["person"] == person.pk


def test_seating_the_same_person_on_the_same_post_twice_keeps_one_seat_and_one_event(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    person = residents(compound, 1)[0]
    first, created = s.member_add(actor=users["community"], compound=compound, post="building", person=person)
    again, created_again = s.member_add(actor=users["community"], compound=compound, post="building", person=person)
    assert created and not created_again and again.pk == first.pk
    assert TeamMember.objects.filter(compound=compound, person=person).count() == 1
    assert AuditEvent.objects.filter(action="teams.member_added", target_id=str(first.pk)).count() == 1


def test_a_person_who_left_may_be_seated_again_as_a_new_term(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    person = residents(compound, 1)[0]
    first, _ = s.member_add(actor=users["community"], compound=compound, post="building", person=person)
    s.member_end(actor=users["community"], member=first)
    second, created = s.member_add(actor=users["community"], compound=compound, post="building", person=person)
    assert created and second.pk != first.pk


@pytest.mark.parametrize(
    ("post", "field", "words"),
    [("", "post", "请选择岗位"), ("chairman", "post", "不是“锦绣小区”配备标准中的岗位")],
)
def test_a_post_the_standard_does_not_have_is_refused_naming_the_field(
    users: Any, places: Any, post: str, field: str, words: str
) -> None:
    compound = places.compounds[0]
    assert compound.name == "锦绣小区"
    with pytest.raises(InvalidInput) as refused:
        s.member_add(actor=users["community"], compound=compound, post=post, person=residents(compound, 1)[0])
    assert refused.value.field == field and words in refused.value.message


def test_a_start_in_the_future_and_a_too_long_note_are_refused(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    person = residents(compound, 1)[0]
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(InvalidInput) as future:
        s.member_add(actor=users["community"], compound=compound, post="building", person=person, started_on=tomorrow)
    assert (future.value.field, future.value.message) == ("started_on", "任职日期不能晚于今天")
    with pytest.raises(InvalidInput) as long_note:
        s.member_add(actor=users["community"], compound=compound, post="building", person=person, note="长" * 65)
    assert long_note.value.field == "note" and "64" in long_note.value.message


def test_a_moved_out_resident_cannot_join(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    person = residents(compound, 1)[0]
    person.moved_out_on = timezone.localdate()
    person.save(update_fields=["moved_out_on"])
    with pytest.raises(InvalidInput) as refused:
        s.member_add(actor=users["community"], compound=compound, post="building", person=person)
    assert refused.value.field == "person_id" and "已迁出" in refused.value.message


def test_a_team_is_per_compound_not_per_grid(users: Any, places: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        s.member_add(
            actor=users["community"],
            compound=places.first_grid,
            post="building",
            person=residents(places.first_grid, 1)[0],
        )
    assert refused.value.field == "compound_id"


def test_leaving_hands_the_members_items_back_to_the_post_and_is_audited(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    member, _ = s.member_add(
        actor=users["community"], compound=compound, post="grid_chief", person=residents(compound, 1)[0]
    )
    item, _ = si.item_create(
        actor=users["community"],
        place=compound,
        duty=si.Duty(category="governance", title="网格巡查", frequency="weekly", member=member),
    )
    assert (item.post, item.member_id) == ("grid_chief", member.pk)
    ended = s.member_end(actor=users["community"], member=member, reason="调任其他社区")
    assert ended.ended_on == timezone.localdate() and ended.end_reason == "调任其他社区"
    item.refresh_from_db()
    assert (item.post, item.member_id) == ("grid_chief", None)
    event = AuditEvent.objects.get(action="teams.member_ended", target_id=str(member.pk))
    assert event.detail["items_released"] == 1


def test_leaving_twice_changes_nothing(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    member, _ = s.member_add(
        actor=users["community"], compound=compound, post="building", person=residents(compound, 1)[0]
    )
    s.member_end(actor=users["community"], member=member)
    again = s.member_end(actor=users["community"], member=member, reason="第二次")
    assert again.end_reason == ""
    assert AuditEvent.objects.filter(action="teams.member_ended", target_id=str(member.pk)).count() == 1


def test_an_end_before_the_start_or_in_the_future_is_refused_in_chinese(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    start = timezone.localdate() - dt.timedelta(days=10)
    member, _ = s.member_add(
        actor=users["community"], compound=compound, post="building", person=residents(compound, 1)[0], started_on=start
    )
    with pytest.raises(InvalidInput) as before:
        s.member_end(actor=users["community"], member=member, ended_on=start - dt.timedelta(days=1))
    assert before.value.field == "ended_on" and start.isoformat() in before.value.message
    with pytest.raises(InvalidInput) as future:
        s.member_end(actor=users["community"], member=member, ended_on=timezone.localdate() + dt.timedelta(days=1))
    assert (future.value.field, future.value.message) == ("ended_on", "离任日期不能晚于今天")
    assert TeamMember.objects.get(pk=member.pk).ended_on is None


# ----------------------------------------------------------------------------- moving out of the compound


def test_a_member_who_moves_out_leaves_every_seat_and_the_gap_shows_at_once(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    person = residents(compound, 1)[0]
    chief, _ = s.member_add(actor=users["community"], compound=compound, post="grid_chief", person=person)
    s.member_add(actor=users["community"], compound=compound, post="volunteer", person=person)
    item, _ = si.item_create(
        actor=users["community"],
        place=compound,
        duty=si.Duty(category="governance", title="网格巡查", frequency="weekly", member=chief),
    )
    person_move_out(actor=users["community"], person=person, on=timezone.localdate())
    seats = TeamMember.objects.filter(person=person)
    assert [(m.ended_on, m.end_reason) for m in seats] == [(timezone.localdate(), s.MOVED_OUT_REASON)] * 2
    item.refresh_from_db()
    assert (item.post, item.member_id) == ("grid_chief", None)
    assert {p.post.code: p.filled for p in sel.compound_team(compound).posts}["grid_chief"] == 0
    events = AuditEvent.objects.filter(action="teams.member_ended", detail__reason=s.MOVED_OUT_REASON)
    assert events.count() == 2 and {e.actor for e in events} == {users["community"]}


def test_a_move_out_recorded_as_before_the_seat_began_ends_the_seat_on_its_first_day(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    person = residents(compound, 1)[0]
    member, _ = s.member_add(actor=users["community"], compound=compound, post="building", person=person)
    person_move_out(actor=users["community"], person=person, on=timezone.localdate() - dt.timedelta(days=30))
    member.refresh_from_db()
    assert member.ended_on == member.started_on == timezone.localdate()


def test_a_grid_worker_who_may_record_the_move_ends_the_seat_without_managing_the_team(users: Any, places: Any) -> None:
    grid = places.grids[0]
    compound = Place.objects.get(path=grid.path[: -Place.steplen])
    person = Person.objects.filter(place_path__startswith=grid.path, moved_out_on__isnull=True).order_by("id")[0]
    member, _ = s.member_add(actor=users["community"], compound=compound, post="building", person=person)
    with pytest.raises(Forbidden):
        s.member_end(actor=users["grid"], member=member)
    person_move_out(actor=users["grid"], person=person, on=timezone.localdate())
    member.refresh_from_db()
    assert member.ended_on == timezone.localdate()


def test_a_refused_move_out_leaves_the_seat_as_it_was(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    person = residents(compound, 1)[0]
    member, _ = s.member_add(actor=users["community"], compound=compound, post="building", person=person)
    with pytest.raises(InvalidInput):
        person_move_out(actor=users["community"], person=person, on=timezone.localdate() + dt.timedelta(days=1))
    member.refresh_from_db()
    assert member.ended_on is None


def test_the_upgrade_ends_seats_of_people_the_ledger_already_shows_as_moved_out(users: Any, places: Any) -> None:
    """Before move-outs ended seats, a moved-out member stayed on (flagged); migration 0003 ends those seats."""
    from django.apps import apps

    upgrade = importlib.import_module("linli.teams.migrations.0003_end_seats_of_people_who_moved_out")
    compound = places.compounds[0]
    gone, stays = residents(compound, 2)
    member, _ = s.member_add(actor=users["community"], compound=compound, post="building", person=gone)
    kept, _ = s.member_add(actor=users["community"], compound=compound, post="building", person=stays)
    item, _ = si.item_create(
        actor=users["community"],
        place=compound,
        duty=si.Duty(category="governance", title="楼道巡查", frequency="weekly", member=member),
    )
    Person.objects.filter(pk=gone.pk).update(moved_out_on=timezone.localdate())  # as the old move-out left it
    upgrade.end_seats(apps, None)
    member.refresh_from_db()
    kept.refresh_from_db()
    item.refresh_from_db()
    assert (member.ended_on, member.end_reason) == (timezone.localdate(), "迁出")
    assert kept.ended_on is None and item.member_id is None
