"""The service-list pages: public ones for anyone (signed in or not), the keeper's pages for the community's staff,
the figures for street staff; bad input comes back naming the field; lists cost the same queries however long."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from linli.audit.models import AuditEvent
from linli.guide import services as s
from linli.guide.models import ItemStatus, ListPublication, ServiceItem
from linli.people.sheets import XLSX_CONTENT_TYPE
from tests.guide_support import draft, fields, published

pytestmark = pytest.mark.django_db


def test_anyone_reads_a_communitys_published_list_grouped_by_category(users: Any, places: Any) -> None:
    community = places.communities[0]
    item = published(users["community"], community)
    hidden = draft(users["community"], community, "法律援助咨询", category="legal", mode="quick", time_limit_days=3)

    page = Client().get(f"/guide/communities/{community.pk}/")

    body = page.content.decode()
    assert page.status_code == 200
    assert f'data-item="{item.pk}"' in body and f'data-item="{hidden.pk}"' not in body
    assert 'data-category="certificate"' in body and "现行第 1 版" in body


def test_the_list_is_searched_by_words_in_the_name(users: Any, places: Any) -> None:
    community = places.communities[0]
    a = draft(users["community"], community, "开具居住证明")
    b = draft(users["community"], community, "老年人优待证办理", category="civil", mode="quick", time_limit_days=5)
    s.list_publish(actor=users["community"], community=community)

    body = Client().get(f"/guide/communities/{community.pk}/", {"q": "优待 老年"}).content.decode()

    assert f'data-item="{b.pk}"' in body and f'data-item="{a.pk}"' not in body


def test_an_unknown_category_filter_is_refused_naming_the_field(places: Any) -> None:
    page = Client().get(f"/guide/communities/{places.communities[0].pk}/", {"category": "zzz"})
    assert page.status_code == 422 and 'data-field="category"' in page.content.decode()


def test_a_place_that_is_not_a_community_has_no_list(places: Any) -> None:
    assert Client().get(f"/guide/communities/{places.street.pk}/").status_code == 404
    assert Client().get(f"/guide/communities/{places.compounds[0].pk}/").status_code == 404


def test_an_items_page_says_when_a_request_made_today_is_due_and_links_to_the_request_form(
    users: Any, places: Any, client_as: Any
) -> None:
    from django.utils import timezone

    from linli.workdays.services import add_working_days

    item = published(users["community"], places.communities[0], mode="quick", time_limit_days=5)
    due = add_working_days(timezone.now(), days=5).date()

    anonymous = Client().get(f"/guide/items/{item.pk}/").content.decode()
    resident = client_as("resident").get(f"/guide/items/{item.pk}/").content.decode()

    assert due.strftime("%Y-%m-%d") in anonymous and 'id="due"' in anonymous
    assert "/accounts/login/" in anonymous  # a resident not signed in is asked to sign in first
    assert 'id="raise" href="/requests/new/"' in resident
    assert "身份证原件" in resident and "综合受理岗" in resident


def test_a_draft_is_the_404_of_a_missing_id_for_the_public_and_other_staff(
    users: Any, places: Any, client_as: Any
) -> None:
    item = draft(users["community"], places.communities[0])

    assert Client().get(f"/guide/items/{item.pk}/").status_code == 404
    assert client_as("resident").get(f"/guide/items/{item.pk}/").status_code == 404
    assert client_as("grid").get(f"/guide/items/{item.pk}/").status_code == 404
    assert client_as("community").get(f"/guide/items/{item.pk}/").status_code == 200
    assert client_as("street").get(f"/guide/items/{item.pk}/").status_code == 200


def test_a_withdrawn_item_shows_its_reason_to_the_public(users: Any, places: Any) -> None:
    item = published(users["community"], places.communities[0])
    s.item_withdraw(actor=users["community"], item=item, reason="划归街道便民服务中心办理")

    item_page = Client().get(f"/guide/items/{item.pk}/").content.decode()
    list_page = Client().get(f"/guide/communities/{places.communities[0].pk}/").content.decode()

    assert "划归街道便民服务中心办理" in item_page and 'id="due"' not in item_page
    assert 'id="withdrawn"' in list_page and "划归街道便民服务中心办理" in list_page


def test_a_revised_item_shows_when_it_was_updated(users: Any, places: Any) -> None:
    item = published(users["community"], places.communities[0])
    saved = s.item_update(actor=users["community"], item=item, fields=fields(hours="全天"))

    body = Client().get(f"/guide/items/{item.pk}/").content.decode()

    assert "更新于" in body and saved.revised_at is not None


def test_the_published_list_downloads_as_xlsx_and_the_download_is_audited(users: Any, places: Any) -> None:
    from openpyxl import load_workbook

    community = places.communities[0]
    published(users["community"], community)
    draft(users["community"], community, "法律援助咨询", category="legal", mode="quick", time_limit_days=3)

    response = Client().get(f"/guide/communities/{community.pk}/services.xlsx")

    assert response.status_code == 200 and response["Content-Type"] == XLSX_CONTENT_TYPE
    import io

    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "事项名称" and [r[0] for r in rows[1:]] == ["开具居住证明"]
    assert AuditEvent.objects.filter(action="guide.list_exported", target_id=str(community.pk)).exists()


def test_the_street_page_lists_its_communities_with_counts_and_the_last_publication(users: Any, places: Any) -> None:
    published(users["community"], places.communities[0])

    body = Client().get(f"/guide/streets/{places.street.pk}/").content.decode()

    for community in places.communities:
        assert f'data-community="{community.pk}"' in body
    assert "第 1 版" in body and "尚未公示服务清单" in body


def test_the_versions_page_answers_what_the_list_said_on_a_day(users: Any, places: Any) -> None:
    community = places.communities[0]
    published(users["community"], community)
    version = ListPublication.objects.get(community=community)

    page = Client().get(f"/guide/communities/{community.pk}/versions/", {"on": "2020-01-01"}).content.decode()
    today = Client().get(f"/guide/communities/{community.pk}/versions/").content.decode()
    frozen = Client().get(f"/guide/versions/{version.pk}/").content.decode()

    assert "尚未公示服务清单" in page
    assert 'data-version="1"' in today
    assert "开具居住证明" in frozen


def test_a_bad_day_on_the_versions_page_is_named(places: Any) -> None:
    page = Client().get(f"/guide/communities/{places.communities[0].pk}/versions/", {"on": "2026-02-30"})
    assert page.status_code == 422 and 'data-field="on"' in page.content.decode()


# ----------------------------------------------------------------------------- keeping the list


def test_community_staff_add_an_item_through_the_form_and_a_double_submit_adds_it_once(
    places: Any, client_as: Any
) -> None:
    community = places.communities[0]
    client = client_as("community")
    form = {
        "idempotency_key": "form-1", "name": "开具居住证明", "category": "certificate", "audience": "本社区居民",
        "materials": "身份证原件\n户口簿", "channels": ["window", "home"], "location": "一楼窗口", "hours": "工作日",
        "mode": "instant", "time_limit_days": "0", "fee": "", "responsible_post": "综合受理岗",
    }  # fmt: skip

    first = client.post(f"/guide/communities/{community.pk}/new/", form)
    second = client.post(f"/guide/communities/{community.pk}/new/", form)

    assert first.status_code == second.status_code == 302
    item = ServiceItem.objects.get(community=community)
    assert item.materials == ["身份证原件", "户口簿"] and item.fee == "免费" and item.channels == ["window", "home"]


def test_a_refused_form_keeps_what_was_typed_and_names_the_field(places: Any, client_as: Any) -> None:
    community = places.communities[0]
    page = client_as("community").post(
        f"/guide/communities/{community.pk}/new/",
        {"name": "老年人优待证", "category": "civil", "audience": "老人", "channels": ["window"], "location": "窗口",
         "hours": "工作日", "mode": "quick", "time_limit_days": "0", "responsible_post": "民政专干"},
    )  # fmt: skip

    body = page.content.decode()
    assert page.status_code == 422 and 'data-field="time_limit_days"' in body and "老年人优待证" in body
    assert not ServiceItem.objects.filter(community=community).exists()


def test_the_keepers_page_publishes_the_list_and_moves_items(users: Any, places: Any, client_as: Any) -> None:
    community = places.communities[0]
    a = draft(users["community"], community, "开具居住证明")
    b = draft(users["community"], community, "流动人口居住登记")
    client = client_as("community")

    page = client.get(f"/guide/communities/{community.pk}/manage/")
    client.post(f"/guide/communities/{community.pk}/manage/", {"form": "move_up", "item_id": b.pk})
    client.post(f"/guide/communities/{community.pk}/manage/", {"form": "publish", "note": "首次公示"})
    client.post(f"/guide/communities/{community.pk}/manage/", {"form": "publish"})  # a double submit

    assert page.status_code == 200 and 'data-status="draft"' in page.content.decode()
    version = ListPublication.objects.get(community=community)
    assert [line["id"] for line in version.lines] == [b.pk, a.pk]
    assert ServiceItem.objects.filter(community=community, status=ItemStatus.PUBLISHED).count() == 2


def test_publishing_an_empty_list_is_refused_on_the_page(places: Any, client_as: Any) -> None:
    page = client_as("community").post(f"/guide/communities/{places.communities[0].pk}/manage/", {"form": "publish"})
    assert page.status_code == 422 and not ListPublication.objects.exists()


def test_the_edit_page_saves_and_withdraws(users: Any, places: Any, client_as: Any) -> None:
    item = published(users["community"], places.communities[0])
    client = client_as("community")
    form = {
        "name": item.name, "category": item.category, "audience": item.audience, "materials": "身份证原件",
        "channels": ["window"], "location": item.location, "hours": "全天", "mode": "instant",
        "time_limit_days": "0", "fee": "免费", "responsible_post": item.responsible_post,
    }  # fmt: skip

    saved = client.post(f"/guide/items/{item.pk}/edit/", form)
    refused = client.post(f"/guide/items/{item.pk}/edit/", {"form": "withdraw", "reason": ""})
    withdrawn = client.post(f"/guide/items/{item.pk}/edit/", {"form": "withdraw", "reason": "停办"})

    assert saved.status_code == 302 and refused.status_code == 422 and withdrawn.status_code == 302
    item.refresh_from_db()
    assert item.hours == "全天" and item.status == ItemStatus.WITHDRAWN and item.revised_at is not None


def test_an_excel_import_with_a_wrong_row_lists_each_row_on_the_page(places: Any, client_as: Any) -> None:
    from linli.guide import importing
    from tests.guide_support import workbook

    row = ["开具居住证明", "不存在", "居民", "", "窗口", "窗口", "工作日", 0, "即办", "否", "免费", "受理岗", "", ""]
    sheet = workbook(importing.HEADERS, [row])
    page = client_as("community").post(
        f"/guide/communities/{places.communities[0].pk}/manage/", {"form": "import", "file": sheet}
    )

    assert page.status_code == 422 and 'data-row="2"' in page.content.decode()
    assert not ServiceItem.objects.exists()


@pytest.mark.parametrize("role", ["grid", "volunteer", "resident"])
def test_the_keepers_pages_are_the_404_of_a_missing_id_for_those_who_do_not_keep_the_list(
    users: Any, places: Any, client_as: Any, role: str
) -> None:
    community = places.communities[0]
    item = draft(users["community"], community)
    client = client_as(role)

    assert client.get(f"/guide/communities/{community.pk}/manage/").status_code == 404
    assert client.get(f"/guide/communities/{community.pk}/new/").status_code == 404
    assert client.get(f"/guide/items/{item.pk}/edit/").status_code == 404
    assert client.post(f"/guide/communities/{community.pk}/manage/", {"form": "publish"}).status_code == 404
    assert not ListPublication.objects.exists()


def test_a_community_worker_cannot_keep_another_communitys_list(users: Any, places: Any, client_as: Any) -> None:
    other = places.other_community
    item = draft(users["street"], other)
    client = client_as("community")
    assert client.get(f"/guide/communities/{other.pk}/manage/").status_code == 404
    assert client.get(f"/guide/items/{item.pk}/edit/").status_code == 404
    assert client.get(f"/guide/items/{item.pk}/").status_code == 404


def test_street_staff_keep_every_community_of_their_street(places: Any, client_as: Any) -> None:
    client = client_as("street")
    for community in places.communities:
        assert client.get(f"/guide/communities/{community.pk}/manage/").status_code == 200


def test_the_start_page_opens_for_everyone(client_as: Any) -> None:
    assert Client().get("/guide/").status_code == 200
    for role in ("admin", "street", "community", "grid", "volunteer", "resident"):
        assert client_as(role).get("/guide/").status_code == 200, role


def test_the_figures_page_is_for_staff_who_manage_or_lead(client_as: Any, places: Any) -> None:
    assert client_as("street").get("/guide/figures/").status_code == 200
    assert client_as("community").get("/guide/figures/").status_code == 200
    assert client_as("grid").get("/guide/figures/").status_code == 403
    assert client_as("resident").get("/guide/figures/").status_code == 403


def test_the_public_list_costs_the_same_queries_however_many_items(
    users: Any, places: Any, django_assert_max_num_queries: Any
) -> None:
    community = places.communities[0]
    published(users["community"], community, "事项一")
    client = Client()
    client.get(f"/guide/communities/{community.pk}/")  # warm the calendar and session
    with django_assert_max_num_queries(30) as small:
        client.get(f"/guide/communities/{community.pk}/")
    for n in range(2, 15):
        draft(users["community"], community, f"事项{n}", mode="quick", time_limit_days=n % 5 + 1, on_order=n % 2 == 0)
    s.list_publish(actor=users["community"], community=community)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(f"/guide/communities/{community.pk}/")


def test_the_keepers_page_costs_the_same_queries_however_many_items(
    users: Any, places: Any, client_as: Any, django_assert_max_num_queries: Any
) -> None:
    community = places.communities[0]
    draft(users["community"], community, "事项一")
    client = client_as("community")
    client.get(f"/guide/communities/{community.pk}/manage/")
    with django_assert_max_num_queries(40) as small:
        client.get(f"/guide/communities/{community.pk}/manage/")
    for n in range(2, 15):
        draft(users["community"], community, f"事项{n}", category="civil" if n % 2 else "health")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(f"/guide/communities/{community.pk}/manage/")


def test_the_templates_wrap_every_chinese_word_for_translation() -> None:
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("i18n_todo", root / "scripts" / "i18n_todo.py")
    assert spec and spec.loader
    todo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(todo)
    bare = [
        f"{path.name}:{line}: {text}"
        for path in sorted((root / "templates" / "guide").glob("*.html"))
        for line, text in todo.bare_chinese(path.read_text(encoding="utf-8"))
    ]
    assert bare == []
