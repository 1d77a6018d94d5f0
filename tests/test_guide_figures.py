"""The service-list figures, counted from the records exactly, per street and community, at a fixed cost."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from linli.core.errors import NotFound
from linli.guide import selectors as sel
from linli.guide import services as s
from linli.guide.models import ListPublication, ServiceItemEvent
from tests.guide_support import draft, fields

pytestmark = pytest.mark.django_db


def _list(users: Any, community: Any) -> list[Any]:
    actor = users["street"]
    items = [
        draft(actor, community, "开具居住证明"),
        draft(actor, community, "房屋出租登记", category="convenience"),
        draft(actor, community, "心理咨询", category="health", mode="quick", time_limit_days=5, on_order=True),
        draft(actor, community, "居家养老服务", category="volunteer", mode="quick", time_limit_days=3, on_order=True),
        draft(actor, community, "最低生活保障申请", category="civil", mode="joint", time_limit_days=20),
    ]
    s.list_publish(actor=actor, community=community)
    return items


def test_the_figures_count_published_items_by_category_instant_share_and_on_order(users: Any, places: Any) -> None:
    community = places.communities[0]
    items = _list(users, community)
    draft(users["street"], community, "草稿事项")  # a draft is not counted as published
    s.item_withdraw(actor=users["street"], item=items[1], reason="停办")  # nor a withdrawn one

    f = sel.figures(users["street"], places.street)

    assert f.published == 4 and f.instant == 1 and f.instant_share == 0.25 and f.on_order == 2
    assert dict((code, n) for code, _label, n in f.by_category) == {
        "civil": 1, "health": 1, "certificate": 1, "volunteer": 1,
    }  # fmt: skip
    row = next(r for r in f.communities if r.place.pk == community.pk)
    assert (row.published, row.drafts, row.withdrawn, row.version) == (4, 1, 1, 1)
    assert f.without_list == [places.other_community]


def test_items_changed_in_a_period_count_each_published_item_once(users: Any, places: Any) -> None:
    community = places.communities[0]
    items = _list(users, community)
    s.item_update(actor=users["street"], item=items[0], fields=fields(hours="全天"))
    s.item_update(actor=users["street"], item=items[0], fields=fields(hours="上午"))
    s.item_withdraw(actor=users["street"], item=items[1], reason="停办")
    old = draft(users["street"], community, "草稿也改")
    s.item_update(actor=users["street"], item=old, fields=fields("草稿也改", hours="全天"))  # a draft: not counted

    today = timezone.localdate()
    assert sel.figures(users["street"], places.street, since=today, until=today).changed == 2
    last_year = today - dt.timedelta(days=400), today - dt.timedelta(days=300)
    assert sel.figures(users["street"], places.street, since=last_year[0], until=last_year[1]).changed == 0


def test_item_events_and_versions_are_never_rewritten(users: Any, places: Any) -> None:
    from django.db import DatabaseError, transaction

    _list(users, places.communities[0])
    with pytest.raises(DatabaseError), transaction.atomic():
        ServiceItemEvent.objects.update(note="改写")
    with pytest.raises(DatabaseError), transaction.atomic():
        ListPublication.objects.update(item_count=0)


def test_a_community_worker_sees_their_communitys_figures_and_not_the_street(users: Any, places: Any) -> None:
    assert sel.figures(users["community"], places.communities[0]).node == places.communities[0]
    with pytest.raises(NotFound):
        sel.figures(users["community"], places.street)
    with pytest.raises(NotFound):
        sel.figures(users["grid"], places.communities[0])


def test_the_figures_cost_the_same_queries_however_many_items(
    users: Any, places: Any, django_assert_max_num_queries: Any
) -> None:
    _list(users, places.communities[0])
    with django_assert_max_num_queries(10) as small:
        sel.figures(users["street"], places.street)
    _list(users, places.other_community)
    for n in range(10):
        draft(users["street"], places.communities[0], f"加项{n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        sel.figures(users["street"], places.street)
