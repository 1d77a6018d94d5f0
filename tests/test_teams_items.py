"""The 事项清单 (seed 000: "对“事项清单”逐条细化,责任到人、任务到岗"): a community's template assigned to posts,
copied into its compounds once, refined there per compound, down to the one member responsible."""

from __future__ import annotations

from typing import Any

import pytest

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, InvalidInput
from linli.teams import services as s
from linli.teams import services_items as si
from linli.teams.models import DutyItem
from tests.teams_support import residents

pytestmark = pytest.mark.django_db


def _template(actor: Any, community: Any) -> list[DutyItem]:
    rows = [
        ("party", "主题党日", "monthly", "secretary"),
        ("governance", "网格巡查", "weekly", "grid_chief"),
        ("service", "走访独居老人", "monthly", "building"),
    ]
    return [
        si.item_create(
            actor=actor,
            place=community,
            duty=si.Duty(category=c, title=t, frequency=f, post=p, detail="按月汇总报社区"),
        )[0]
        for c, t, f, p in rows
    ]


def test_a_community_template_item_goes_to_a_post_and_never_to_a_person(users: Any, places: Any) -> None:
    community = places.communities[0]
    item, created = si.item_create(
        actor=users["community"],
        place=community,
        duty=si.Duty(category="party", title="主题党日", frequency="monthly", post="secretary"),
    )
    assert created and item.post == "secretary" and item.member is None and item.place_path == community.path
    member, _ = s.member_add(
        actor=users["community"], compound=places.compounds[0], post="secretary", person=residents(community, 1)[0]
    )
    with pytest.raises(InvalidInput) as refused:
        si.item_create(
            actor=users["community"],
            place=community,
            duty=si.Duty(category="party", title="三会一课", frequency="monthly", member=member),
        )
    assert refused.value.field == "member_id" and "落实到人" in refused.value.message


def test_copying_the_template_twice_puts_each_item_into_each_compound_once(users: Any, places: Any) -> None:
    community = places.communities[0]
    template = _template(users["community"], community)
    first = si.items_copy(actor=users["community"], community=community)
    again = si.items_copy(actor=users["community"], community=community)
    compounds = [c for c in places.compounds if c.path.startswith(community.path)]
    assert (first.created, first.skipped) == (len(template) * len(compounds), 0)
    assert (again.created, again.skipped) == (0, len(template) * len(compounds))
    for compound in compounds:
        copies = DutyItem.objects.filter(place=compound)
        assert sorted(copies.values_list("title", flat=True)) == sorted(t.title for t in template)
        assert {c.source_id for c in copies} == {t.pk for t in template}
        assert {c.post for c in copies} == {"secretary", "grid_chief", "building"}
    events = AuditEvent.objects.filter(action="teams.items_copied", target_id=str(community.pk))
    assert [e.detail["created"] for e in events.order_by("id")] == [first.created, 0]


def test_an_item_added_to_the_template_later_is_the_only_one_copied_next_time(users: Any, places: Any) -> None:
    community = places.communities[0]
    _template(users["community"], community)
    si.items_copy(actor=users["community"], community=community)
    si.item_create(
        actor=users["community"],
        place=community,
        duty=si.Duty(category="service", title="收集微心愿", frequency="weekly", post="volunteer"),
    )
    result = si.items_copy(actor=users["community"], community=community, compounds=[places.compounds[0]])
    assert (result.created, result.skipped) == (1, 3)


def test_a_copy_refined_in_one_compound_leaves_the_template_and_the_other_compounds_alone(
    users: Any, places: Any
) -> None:
    community = places.communities[0]
    template = _template(users["community"], community)
    si.items_copy(actor=users["community"], community=community)
    here, there = places.compounds[0], places.compounds[1]
    member, _ = s.member_add(actor=users["community"], compound=here, post="building", person=residents(here, 1)[0])
    copy = DutyItem.objects.get(place=here, source=template[2])
    refined = si.item_update(
        actor=users["community"],
        item=copy,
        duty=si.Duty(
            category="service",
            title="走访独居老人(3栋)",
            detail="每周二上午上门,带血压计",
            frequency="weekly",
            post="building",
            member=member,
        ),
    )
    assert (refined.title, refined.frequency, refined.member_id) == ("走访独居老人(3栋)", "weekly", member.pk)
    template[2].refresh_from_db()
    assert (template[2].title, template[2].frequency) == ("走访独居老人", "monthly")
    assert DutyItem.objects.get(place=there, source=template[2]).title == "走访独居老人"
    event = AuditEvent.objects.get(action="teams.item_updated", target_id=str(copy.pk))
    assert set(event.detail["changed"]) == {"title", "detail", "frequency", "member"}


def test_saving_an_item_unchanged_records_nothing(users: Any, places: Any) -> None:
    item = _template(users["community"], places.communities[0])[0]
    si.item_update(
        actor=users["community"],
        item=item,
        duty=si.Duty(
            category=item.category, title=item.title, detail=item.detail, frequency=item.frequency, post=item.post
        ),
    )
    assert not AuditEvent.objects.filter(action="teams.item_updated", target_id=str(item.pk)).exists()


def test_a_retry_under_the_same_key_answers_with_the_first_item(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    duty = si.Duty(category="governance", title="楼道堆物清理", frequency="weekly", post="building")
    first, created = si.item_create(actor=users["community"], place=compound, duty=duty, idempotency_key="k-1")
    again, created_again = si.item_create(actor=users["community"], place=compound, duty=duty, idempotency_key="k-1")
    assert created and not created_again and again.pk == first.pk
    assert DutyItem.objects.filter(place=compound).count() == 1
    other = si.Duty(category="governance", title="另一件事", frequency="weekly")
    with pytest.raises(Conflict) as reused:
        si.item_create(actor=users["community"], place=compound, duty=other, idempotency_key="k-1")
    assert reused.value.field == "Idempotency-Key"


def test_a_second_item_with_a_title_the_list_has_is_refused_with_409_on_the_title(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    duty = si.Duty(category="governance", title="楼道堆物清理", frequency="weekly")
    si.item_create(actor=users["community"], place=compound, duty=duty)
    with pytest.raises(Conflict) as refused:
        si.item_create(actor=users["community"], place=compound, duty=duty)
    assert refused.value.field == "title" and "已有“楼道堆物清理”" in refused.value.message
    si.item_create(actor=users["community"], place=places.compounds[1], duty=duty)  # another list may have it


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"category": "sports"}, "category", "请选择事项类别"),
        ({"frequency": "hourly"}, "frequency", "请选择频次"),
        ({"title": "  "}, "title", "请填写事项名称"),
        ({"title": "事" * 101}, "title", "事项名称不能超过 100 字"),
        ({"detail": "细" * 1001}, "detail", "工作内容最多 1000 个字,当前 1001 个字"),
        ({"post": "chairman"}, "post", "配备标准中的岗位"),
    ],
)
def test_bad_input_is_refused_in_chinese_naming_the_field(
    users: Any, places: Any, change: dict[str, str], field: str, words: str
) -> None:
    fields = {"category": "service", "title": "走访", "frequency": "monthly", "detail": "", "post": ""} | change
    with pytest.raises(InvalidInput) as refused:
        si.item_create(actor=users["community"], place=places.compounds[0], duty=si.Duty(**fields))
    assert refused.value.field == field and words in refused.value.message
    assert not DutyItem.objects.exists()


def test_only_a_current_member_of_the_same_compound_can_be_made_responsible(users: Any, places: Any) -> None:
    here, there = places.compounds[0], places.compounds[1]
    theirs, _ = s.member_add(actor=users["community"], compound=there, post="building", person=residents(there, 1)[0])
    with pytest.raises(InvalidInput) as elsewhere:
        si.item_create(
            actor=users["community"],
            place=here,
            duty=si.Duty(category="service", title="走访", frequency="monthly", member=theirs),
        )
    assert elsewhere.value.field == "member_id" and "在任成员" in elsewhere.value.message
    mine, _ = s.member_add(actor=users["community"], compound=here, post="building", person=residents(here, 1)[0])
    with pytest.raises(InvalidInput) as wrong_post:
        si.item_create(
            actor=users["community"],
            place=here,
            duty=si.Duty(category="service", title="走访", frequency="monthly", post="secretary", member=mine),
        )
    assert wrong_post.value.field == "member_id"


def test_a_list_belongs_to_a_community_or_a_compound(users: Any, places: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        si.item_create(
            actor=users["street"],
            place=places.street,
            duty=si.Duty(category="service", title="走访", frequency="monthly"),
        )
    assert refused.value.field == "place_id"


def test_removing_a_template_item_keeps_the_copies_in_the_compounds(users: Any, places: Any) -> None:
    community = places.communities[0]
    item = _template(users["community"], community)[0]
    si.items_copy(actor=users["community"], community=community)
    pk = item.pk
    si.item_remove(actor=users["community"], item=item)
    assert not DutyItem.objects.filter(pk=pk).exists()
    copies = DutyItem.objects.filter(title=item.title).exclude(place=community)
    assert copies.count() == 2 and {c.source_id for c in copies} == {None}
    event = AuditEvent.objects.get(action="teams.item_removed", target_id=str(pk))
    assert (event.detail["title"], event.detail["copies_kept"]) == (item.title, 2)


def test_copying_into_a_compound_of_another_community_is_refused(users: Any, places: Any) -> None:
    community = places.communities[0]
    _template(users["street"], community)
    with pytest.raises(InvalidInput) as refused:
        si.items_copy(actor=users["street"], community=community, compounds=[places.compounds[2]])
    assert refused.value.field == "compound_ids"
    assert not DutyItem.objects.filter(place=places.compounds[2]).exists()
