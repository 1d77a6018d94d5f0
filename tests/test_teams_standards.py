"""The staffing standard is data: a district, street or community keeps its own copy and changes its posts and
numbers; the platform default only an administrator changes."""

from __future__ import annotations

from typing import Any

import pytest

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.teams import selectors as sel
from linli.teams import services as s
from linli.teams import services_items as si
from linli.teams.models import TeamPost, TeamStandard
from tests.teams_support import residents

pytestmark = pytest.mark.django_db


def test_a_community_keeps_its_own_standard_starting_as_a_copy_of_the_one_it_followed(users: Any, places: Any) -> None:
    community = places.communities[0]
    standard, created = s.standard_adopt(actor=users["community"], place=community)
    default = TeamStandard.objects.get(place_path="")
    assert created and standard.place == community and standard.place_path == community.path
    copied = [(p.code, p.name, p.fixed, p.per_building, p.sort) for p in standard.posts.all()]
    assert copied == [(p.code, p.name, p.fixed, p.per_building, p.sort) for p in default.posts.all()]
    assert sel.standard_for(places.compounds[0].path) == standard
    event = AuditEvent.objects.get(action="teams.standard_adopted", target_id=str(standard.pk))
    assert event.detail["copied_from"] == default.pk


def test_adopting_twice_answers_with_the_same_standard(users: Any, places: Any) -> None:
    first, _ = s.standard_adopt(actor=users["community"], place=places.communities[0])
    again, created = s.standard_adopt(actor=users["community"], place=places.communities[0])
    assert not created and again.pk == first.pk
    assert TeamStandard.objects.filter(place_path=places.communities[0].path).count() == 1


def test_a_standard_sits_only_at_a_district_street_or_community(users: Any, places: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        s.standard_adopt(actor=users["community"], place=places.compounds[0])
    assert refused.value.field == "place_id"


def test_saving_a_post_adds_or_changes_it_and_saving_it_unchanged_records_nothing(users: Any, places: Any) -> None:
    standard, _ = s.standard_adopt(actor=users["community"], place=places.communities[0])
    post, created = s.post_save(
        actor=users["community"], standard=standard, code="mediator", name="调解员", fixed="1", per_building="0"
    )
    assert created and (post.fixed, post.per_building, post.active) == (1, 0, True)
    assert post.sort > max(p.sort for p in standard.posts.exclude(pk=post.pk))
    changed, created = s.post_save(
        actor=users["community"], standard=standard, code="building", name="楼栋长", fixed=0, per_building=1
    )
    assert not created and (changed.name, changed.per_building) == ("楼栋长", 1)
    s.post_save(actor=users["community"], standard=standard, code="building", name="楼栋长", fixed=0, per_building=1)
    saved = AuditEvent.objects.filter(action="teams.post_saved", target_id=str(standard.pk))
    assert saved.count() == 2
    assert sel.formula(sel.standard_for(places.compounds[0].path)) == "1+1+N+1+X"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"code": "Secretary"}, "code", "岗位代码以小写字母开头"),
        ({"code": "调解员"}, "code", "岗位代码以小写字母开头"),
        ({"code": ""}, "code", "请填写岗位代码"),
        ({"name": ""}, "name", "请填写岗位名称"),
        ({"name": "网格长"}, "name", "已有名为“网格长”的岗位"),
        ({"fixed": "-1"}, "fixed", "固定人数应为 0 到 50 之间的整数"),
        ({"fixed": "51"}, "fixed", "固定人数应为 0 到 50 之间的整数"),
        ({"per_building": "两"}, "per_building", "每栋人数应为 0 到 10 之间的整数"),
        ({"per_building": "1.5"}, "per_building", "每栋人数应为 0 到 10 之间的整数"),
    ],
)
def test_a_bad_post_is_refused_naming_the_field(
    users: Any, places: Any, change: dict[str, str], field: str, words: str
) -> None:
    standard, _ = s.standard_adopt(actor=users["community"], place=places.communities[0])
    fields = {"code": "mediator", "name": "调解员", "fixed": "1", "per_building": "0"} | change
    with pytest.raises(InvalidInput) as refused:
        s.post_save(actor=users["community"], standard=standard, **fields)
    assert refused.value.field == field and words in refused.value.message


def test_a_post_someone_holds_or_an_item_is_assigned_to_cannot_be_switched_off(users: Any, places: Any) -> None:
    community = places.communities[0]
    standard, _ = s.standard_adopt(actor=users["community"], place=community)
    member, _ = s.member_add(
        actor=users["community"], compound=places.compounds[0], post="volunteer", person=residents(community, 1)[0]
    )
    si.item_create(
        actor=users["community"],
        place=community,
        duty=si.Duty(category="service", title="收集微心愿", frequency="weekly", post="volunteer"),
    )
    with pytest.raises(Conflict) as refused:
        s.post_remove(actor=users["community"], standard=standard, code="volunteer")
    assert refused.value.field == "code" and "1 名在任成员、1 项事项" in refused.value.message
    s.member_end(actor=users["community"], member=member)
    with pytest.raises(Conflict):
        s.post_remove(actor=users["community"], standard=standard, code="volunteer")


def test_a_switched_off_post_leaves_the_figure_and_can_be_switched_on_again(users: Any, places: Any) -> None:
    standard, _ = s.standard_adopt(actor=users["community"], place=places.communities[0])
    removed = s.post_remove(actor=users["community"], standard=standard, code="grid_chief")
    again = s.post_remove(actor=users["community"], standard=standard, code="grid_chief")
    assert not removed.active and not again.active
    assert AuditEvent.objects.filter(action="teams.post_removed", target_id=str(standard.pk)).count() == 1
    assert "grid_chief" not in {p.post.code for p in sel.compound_team(places.compounds[0]).posts}
    s.post_save(actor=users["community"], standard=standard, code="grid_chief", name="网格长", fixed=1, per_building=0)
    assert "grid_chief" in {p.post.code for p in sel.compound_team(places.compounds[0]).posts}
    assert TeamPost.objects.filter(standard=standard, code="grid_chief").count() == 1


def test_members_in_a_community_with_its_own_standard_do_not_hold_the_street_standards_posts(
    users: Any, places: Any
) -> None:
    """A post of the street's standard is free to switch off although a compound of a community that keeps its
    own standard has people on a post with the same code: that standard is theirs."""
    street, _ = s.standard_adopt(actor=users["street"], place=places.street)
    s.standard_adopt(actor=users["street"], place=places.communities[1])
    s.member_add(
        actor=users["street"],
        compound=places.compounds[2],
        post="volunteer",
        person=residents(places.compounds[2], 1)[0],
    )
    assert not s.post_remove(actor=users["street"], standard=street, code="volunteer").active


def test_only_an_administrator_changes_the_platform_default(users: Any) -> None:
    default = TeamStandard.objects.get(place_path="")
    for who in ("street", "community", "grid"):
        with pytest.raises(Forbidden):
            s.post_save(actor=users[who], standard=default, code="mediator", name="调解员", fixed=1, per_building=0)
    post, created = s.post_save(
        actor=users["admin"], standard=default, code="mediator", name="调解员", fixed=0, per_building=0
    )
    assert created and post.optional


def test_street_staff_set_the_street_and_its_communities_community_staff_only_their_own(
    users: Any, places: Any
) -> None:
    s.standard_adopt(actor=users["street"], place=places.street)
    s.standard_adopt(actor=users["street"], place=places.communities[1])
    with pytest.raises(Forbidden):
        s.standard_adopt(actor=users["community"], place=places.street)
    with pytest.raises(Forbidden):
        s.standard_adopt(actor=users["community"], place=places.communities[1])
    street = TeamStandard.objects.get(place_path=places.street.path)
    with pytest.raises(Forbidden):
        s.post_save(actor=users["community"], standard=street, code="mediator", name="调解员", fixed=1, per_building=0)


# ----------------------------------------------------------------------------- back to the inherited standard


def test_a_community_drops_its_own_standard_and_follows_the_one_above_again(users: Any, places: Any) -> None:
    community = places.communities[0]
    standard, _ = s.standard_adopt(actor=users["community"], place=community)
    s.post_save(actor=users["community"], standard=standard, code="building", name="楼栋长", fixed=0, per_building=1)
    assert sel.formula(sel.standard_for(community.path)) == "1+1+N+X"
    follows = s.standard_drop(actor=users["community"], standard=standard)
    assert follows is not None and follows.is_default
    assert sel.standard_for(community.path) == follows and sel.formula(follows) == "1+1+2N+X"
    assert not TeamStandard.objects.filter(place_path=community.path).exists()
    event = AuditEvent.objects.get(action="teams.standard_dropped", target_id=str(standard.pk))
    assert event.actor == users["community"] and event.detail["follows"] == follows.pk
    assert ["building", "楼栋长", 0, 1, True] in event.detail["posts"]


def test_a_standard_whose_extra_post_someone_holds_cannot_be_dropped(users: Any, places: Any) -> None:
    community = places.communities[0]
    standard, _ = s.standard_adopt(actor=users["community"], place=community)
    s.post_save(actor=users["community"], standard=standard, code="mediator", name="调解员", fixed=1, per_building=0)
    member, _ = s.member_add(
        actor=users["community"], compound=places.compounds[0], post="mediator", person=residents(community, 1)[0]
    )
    with pytest.raises(Conflict) as refused:
        s.standard_drop(actor=users["community"], standard=standard)
    assert refused.value.field == "standard_id" and "“调解员”(1 名在任成员、0 项事项)" in refused.value.message
    assert TeamStandard.objects.filter(pk=standard.pk).exists()
    s.member_end(actor=users["community"], member=member)
    s.standard_drop(actor=users["community"], standard=standard)  # an ended seat keeps its code, blocks nothing
    assert not TeamStandard.objects.filter(pk=standard.pk).exists()


def test_the_platform_default_cannot_be_dropped_and_a_grid_worker_drops_nothing(users: Any, places: Any) -> None:
    with pytest.raises(InvalidInput):
        s.standard_drop(actor=users["admin"], standard=TeamStandard.objects.get(place_path=""))
    standard, _ = s.standard_adopt(actor=users["community"], place=places.communities[0])
    with pytest.raises(Forbidden):
        s.standard_drop(actor=users["grid"], standard=standard)
    assert TeamStandard.objects.filter(pk=standard.pk).exists()
