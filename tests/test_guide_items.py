"""The community service list's writes: items (create, edit, withdraw, reorder) and the list's publication (公示)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.guide import selectors as sel
from linli.guide import services as s
from linli.guide.models import EventKind, ItemStatus, ListPublication, ServiceItem
from tests.guide_support import draft, fields, published

pytestmark = pytest.mark.django_db


def test_community_staff_add_a_draft_that_the_public_does_not_see_yet(users: Any, places: Any) -> None:
    community = places.communities[0]

    item = draft(users["community"], community)

    assert item.status == ItemStatus.DRAFT and item.place_path == community.path
    assert list(sel.published_items(community)) == []
    assert AuditEvent.objects.filter(action="guide.item_created", target_id=str(item.pk)).exists()
    assert [e.kind for e in item.events.all()] == [EventKind.CREATED]


def test_a_create_retried_under_its_idempotency_key_answers_with_the_first_item(users: Any, places: Any) -> None:
    community = places.communities[0]
    first, created = s.item_create(
        actor=users["community"], community=community, fields=fields(), idempotency_key="k-1"
    )
    again, created_again = s.item_create(
        actor=users["community"], community=community, fields=fields(), idempotency_key="k-1"
    )

    assert created and not created_again and again.pk == first.pk
    assert ServiceItem.objects.filter(community=community).count() == 1


def test_a_second_item_of_the_same_name_in_use_is_refused_naming_the_field(users: Any, places: Any) -> None:
    draft(users["community"], places.communities[0])

    with pytest.raises(Conflict) as exc:
        draft(users["community"], places.communities[0])

    assert exc.value.field == "name"


def test_the_same_name_may_be_used_in_another_community(users: Any, places: Any) -> None:
    draft(users["street"], places.communities[0])
    assert draft(users["street"], places.communities[1]).pk


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"name": ""}, "name"),
        ({"category": "nonsense"}, "category"),
        ({"audience": " "}, "audience"),
        ({"channels": []}, "channels"),
        ({"channels": ["window", "fax"]}, "channels"),
        ({"location": ""}, "location"),
        ({"hours": ""}, "hours"),
        ({"responsible_post": ""}, "responsible_post"),
        ({"time_limit_days": "abc", "mode": "quick"}, "time_limit_days"),
        ({"time_limit_days": 61, "mode": "quick"}, "time_limit_days"),
        ({"time_limit_days": 3, "mode": "instant"}, "time_limit_days"),
        ({"time_limit_days": 0, "mode": "quick"}, "time_limit_days"),
        ({"mode": "someday"}, "mode"),
        ({"materials": ["x" * 101]}, "materials"),
        ({"materials": [f"材料{n}" for n in range(21)]}, "materials"),
        ({"name": "长" * 61}, "name"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    users: Any, places: Any, extra: dict[str, Any], field: str
) -> None:
    values = {"name": "开具居住证明", **extra}
    name = values.pop("name")
    with pytest.raises(InvalidInput) as exc:
        draft(users["community"], places.communities[0], name, **values)

    assert exc.value.field == field
    assert exc.value.message  # a Chinese sentence for the person who typed it
    assert not ServiceItem.objects.filter(community=places.communities[0]).exists()


def test_materials_typed_one_per_line_are_kept_as_lines(users: Any, places: Any) -> None:
    item = draft(users["community"], places.communities[0], materials="身份证原件\n\n  户口簿  \n身份证原件")
    assert item.materials == ["身份证原件", "户口簿"]


def test_the_database_refuses_an_instant_item_with_a_time_limit(users: Any, places: Any) -> None:
    item = draft(users["community"], places.communities[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceItem.objects.filter(pk=item.pk).update(time_limit_days=3)


def test_the_database_refuses_a_withdrawn_item_without_a_reason(users: Any, places: Any) -> None:
    item = draft(users["community"], places.communities[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceItem.objects.filter(pk=item.pk).update(status="withdrawn", withdrawn_at=timezone.now())


@pytest.mark.parametrize("role", ["grid", "volunteer", "resident"])
def test_it_refuses_anyone_without_manage_at_the_community(users: Any, places: Any, role: str) -> None:
    with pytest.raises(Forbidden):
        draft(users[role], places.communities[0])


def test_it_refuses_a_community_worker_outside_their_community(users: Any, places: Any) -> None:
    with pytest.raises(Forbidden):
        draft(users["community"], places.other_community)


def test_it_refuses_a_list_kept_anywhere_but_a_community(users: Any, places: Any) -> None:
    with pytest.raises(InvalidInput) as exc:
        draft(users["street"], places.street)
    assert exc.value.field == "community_id"


def test_publishing_the_list_publishes_the_drafts_and_freezes_version_one(users: Any, places: Any) -> None:
    community = places.communities[0]
    a = draft(users["community"], community, "开具居住证明")
    b = draft(users["community"], community, "法律援助咨询", category="legal", mode="quick", time_limit_days=3)

    publication, created = s.list_publish(actor=users["community"], community=community, note="首次公示")

    assert created and publication.number == 1 and publication.item_count == 2
    assert [line["name"] for line in publication.lines] == ["法律援助咨询", "开具居住证明"]  # 法律服务 before 证明开具
    assert set(sel.published_items(community)) == {a, b}
    a.refresh_from_db()
    assert a.status == ItemStatus.PUBLISHED and a.published_at is not None and a.revised_at is None
    assert AuditEvent.objects.filter(action="guide.list_published", target_id=str(community.pk)).count() == 1


def test_publishing_again_with_nothing_changed_answers_the_last_version_and_writes_nothing(
    users: Any, places: Any
) -> None:
    community = places.communities[0]
    published(users["community"], community)
    audits = AuditEvent.objects.count()

    again, created = s.list_publish(actor=users["community"], community=community)

    assert not created and again.number == 1
    assert ListPublication.objects.filter(community=community).count() == 1
    assert AuditEvent.objects.count() == audits


def test_an_empty_list_cannot_be_published(users: Any, places: Any) -> None:
    with pytest.raises(InvalidInput):
        s.list_publish(actor=users["community"], community=places.communities[0])
    assert not ListPublication.objects.exists()


def test_editing_a_published_item_is_public_at_once_and_records_which_fields_changed(users: Any, places: Any) -> None:
    community = places.communities[0]
    item = published(users["community"], community)

    saved = s.item_update(
        actor=users["community"], item=item, fields=fields(hours="工作日 9:00-17:00", fee="工本费 5 元")
    )

    assert saved.revised_at is not None and saved.status == ItemStatus.PUBLISHED
    event = saved.events.filter(kind=EventKind.REVISED).get()
    assert event.changed == ["hours", "fee"] and event.while_published
    audit = AuditEvent.objects.get(action="guide.item_updated", target_id=str(item.pk))
    assert audit.detail["changed"] == ["hours", "fee"] and audit.detail["published"] is True
    # the new version freezes the change
    publication, created = s.list_publish(actor=users["community"], community=community)
    assert created and publication.number == 2 and publication.lines[0]["fee"] == "工本费 5 元"


def test_saving_an_item_unchanged_records_nothing(users: Any, places: Any) -> None:
    item = published(users["community"], places.communities[0])
    audits = AuditEvent.objects.count()

    saved = s.item_update(actor=users["community"], item=item, fields=fields())

    assert saved.revised_at is None and AuditEvent.objects.count() == audits
    assert not saved.events.filter(kind=EventKind.REVISED).exists()


def test_editing_a_draft_does_not_mark_it_revised(users: Any, places: Any) -> None:
    item = draft(users["community"], places.communities[0])
    saved = s.item_update(actor=users["community"], item=item, fields=fields(hours="全天"))
    assert saved.revised_at is None
    assert not saved.events.get(kind=EventKind.REVISED).while_published


def test_withdrawing_keeps_the_item_with_its_reason_and_a_second_withdrawal_changes_nothing(
    users: Any, places: Any
) -> None:
    community = places.communities[0]
    item = published(users["community"], community)

    s.item_withdraw(actor=users["community"], item=item, reason="划归街道便民服务中心办理")
    again = s.item_withdraw(actor=users["community"], item=item, reason="另一个原因")

    assert again.status == ItemStatus.WITHDRAWN and again.withdraw_reason == "划归街道便民服务中心办理"
    assert ServiceItem.objects.filter(pk=item.pk).exists()  # never deleted
    assert list(sel.published_items(community)) == []
    assert sel.withdrawn_public(community) == [again]
    assert AuditEvent.objects.filter(action="guide.item_withdrawn", target_id=str(item.pk)).count() == 1


def test_a_withdrawal_needs_a_reason(users: Any, places: Any) -> None:
    item = published(users["community"], places.communities[0])
    with pytest.raises(InvalidInput) as exc:
        s.item_withdraw(actor=users["community"], item=item, reason="  ")
    assert exc.value.field == "reason"
    item.refresh_from_db()
    assert item.status == ItemStatus.PUBLISHED


def test_a_withdrawn_item_is_not_edited(users: Any, places: Any) -> None:
    item = published(users["community"], places.communities[0])
    s.item_withdraw(actor=users["community"], item=item, reason="停办")
    with pytest.raises(Conflict):
        s.item_update(actor=users["community"], item=item, fields=fields(hours="全天"))


def test_a_withdrawn_name_may_be_used_again(users: Any, places: Any) -> None:
    item = published(users["community"], places.communities[0])
    s.item_withdraw(actor=users["community"], item=item, reason="停办")
    assert draft(users["community"], places.communities[0]).pk != item.pk


def test_reordering_sets_the_order_within_a_category(users: Any, places: Any) -> None:
    community = places.communities[0]
    a = draft(users["community"], community, "开具居住证明")
    b = draft(users["community"], community, "开具无犯罪记录证明指引")
    c = draft(users["community"], community, "流动人口居住登记")

    s.items_reorder(actor=users["community"], community=community, category="certificate", item_ids=[c.pk, a.pk, b.pk])

    assert [i.pk for i in sel.kept_list(community)] == [c.pk, a.pk, b.pk]
    s.item_move(actor=users["community"], item=a, up=True)
    assert [i.pk for i in sel.kept_list(community)] == [a.pk, c.pk, b.pk]


def test_reordering_must_name_each_item_of_the_category_once(users: Any, places: Any) -> None:
    community = places.communities[0]
    a = draft(users["community"], community, "开具居住证明")
    draft(users["community"], community, "开具无犯罪记录证明指引")
    with pytest.raises(InvalidInput) as exc:
        s.items_reorder(actor=users["community"], community=community, category="certificate", item_ids=[a.pk])
    assert exc.value.field == "item_ids"


def test_the_version_in_force_on_a_day_answers_what_the_list_said_then(
    users: Any, places: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    community = places.communities[0]
    ten_days_ago = timezone.now() - dt.timedelta(days=10)
    with monkeypatch.context() as m:
        m.setattr(timezone, "now", lambda: ten_days_ago)  # version 1 was published ten days ago
        published(users["community"], community)
    draft(users["community"], community, "法律援助咨询", category="legal", mode="quick", time_limit_days=3)
    second, _ = s.list_publish(actor=users["community"], community=community)

    today = timezone.localdate()
    assert sel.publication_on(community, today - dt.timedelta(days=11)) is None
    then = sel.publication_on(community, today - dt.timedelta(days=5))
    assert then is not None and then.number == 1 and then.item_count == 1
    now = sel.publication_on(community, today)
    assert now is not None and now.pk == second.pk and now.item_count == 2


def test_a_request_made_today_is_due_after_the_promised_working_days(users: Any, places: Any) -> None:
    from linli.workdays.services import add_working_days

    item = draft(users["community"], places.communities[0], mode="quick", time_limit_days=5)
    moment = timezone.now()

    due = sel.due(item, now=moment)

    assert due.day == add_working_days(moment, days=5).date() and not due.instant
    assert (due.day - timezone.localdate(moment)).days >= 5


def test_an_instant_item_is_due_the_same_working_day(users: Any, places: Any) -> None:
    item = draft(users["community"], places.communities[0])
    monday = timezone.make_aware(dt.datetime(2026, 12, 7, 10, 0))  # a Monday, a working day
    assert sel.due(item, now=monday).day == dt.date(2026, 12, 7)
    assert sel.due(item, now=monday).instant
