"""The street duty pages: public lists anyone may read, the staff's page to keep them (404 for everyone else),
the tasks and their review, refused forms that keep what was typed, and page costs that do not grow with rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from linli.duties.models import EntryItem, ListedDuty, PushedTask, StreetOffice
from linli.orgs.models import Organisation
from tests.duties_support import demo, duty, entry, offices, task, workbook

pytestmark = pytest.mark.django_db


def test_the_public_duty_list_is_read_without_signing_in_and_carries_no_personal_data(users: Any, places: Any) -> None:
    demo(places.street)
    page = Client().get(f"/duties/streets/{places.street.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "社会救助" in text and "社会事务办公室" in text
    assert "manage/" not in text  # no link to the staff page for the public
    assert users["street"].person.name not in text


def test_the_public_entry_list_and_both_exports_are_open_to_everyone(places: Any, users: Any) -> None:
    demo(places.street)
    anonymous = Client()
    assert "征兵宣传和兵役登记" in anonymous.get(f"/duties/streets/{places.street.pk}/entries/").content.decode()
    for name in ("duties", "entries"):
        sheet = anonymous.get(f"/duties/streets/{places.street.pk}/{name}.xlsx")
        assert sheet.status_code == 200 and sheet.content.startswith(b"PK")


def test_a_public_list_of_a_place_that_is_not_a_street_is_not_found(places: Any) -> None:
    assert Client().get(f"/duties/streets/{places.communities[0].pk}/").status_code == 404
    assert Client().get("/duties/streets/987654321/entries/").status_code == 404


def test_the_public_list_filters_by_category(users: Any, places: Any) -> None:
    duty(users["street"], places.street, "社会救助")
    duty(users["street"], places.street, "矛盾纠纷排查化解", office="平安建设办公室", code="safety")
    text = Client().get(f"/duties/streets/{places.street.pk}/?category=safety").content.decode()
    assert "矛盾纠纷排查化解" in text and "社会救助" not in text


@pytest.mark.parametrize("who", ["community", "grid", "resident", "volunteer"])
def test_the_staff_page_of_a_street_is_not_found_for_anyone_who_does_not_manage_it(
    client_as: Any, places: Any, who: str
) -> None:
    client = client_as(who)
    assert client.get(f"/duties/streets/{places.street.pk}/manage/").status_code == 404
    assert client.post(f"/duties/streets/{places.street.pk}/manage/", {"form": "offices_defaults"}).status_code == 404
    assert not StreetOffice.objects.exists()


def test_street_staff_set_up_offices_and_add_a_duty_on_their_page(client_as: Any, places: Any) -> None:
    client = client_as("street")
    url = f"/duties/streets/{places.street.pk}/manage/"
    assert client.post(url, {"form": "offices_defaults"}).status_code == 302
    office = StreetOffice.objects.get(street=places.street, name="社会事务办公室")
    from linli.duties.models import DutyCategory

    data = {
        "form": "duty_create",
        "idempotency_key": "page-1",
        "category_id": DutyCategory.objects.get(code="livelihood").pk,
        "title": "养老服务",
        "office_id": office.pk,
        "responsibility": "lead",
    }
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # a double submit: the same key, one item
    assert ListedDuty.objects.filter(street=places.street, title="养老服务").count() == 1
    assert "养老服务" in client.get(url).content.decode()


def test_a_refused_duty_form_comes_back_with_what_was_typed_and_the_error(
    client_as: Any, users: Any, places: Any
) -> None:
    found = offices(users["street"], places.street)
    from linli.duties.models import DutyCategory

    page = client_as("street").post(
        f"/duties/streets/{places.street.pk}/manage/",
        {
            "form": "duty_create",
            "category_id": DutyCategory.objects.get(code="party").pk,
            "title": "",
            "content": "组织党员学习",
            "office_id": found["党建工作办公室"].pk,
        },
    )
    assert page.status_code == 422
    text = page.content.decode()
    assert "请填写事项名称" in text and "组织党员学习" in text


def test_an_office_with_duties_cannot_be_retired_from_the_page(client_as: Any, users: Any, places: Any) -> None:
    item = duty(users["street"], places.street)
    page = client_as("street").post(
        f"/duties/streets/{places.street.pk}/manage/", {"form": "office_retire", "row_id": item.office_id}
    )
    assert page.status_code == 422 and "在册职责" in page.content.decode()
    assert StreetOffice.objects.get(pk=item.office_id).active


def test_a_bad_import_on_the_page_lists_each_wrong_row(client_as: Any, users: Any, places: Any) -> None:
    offices(users["street"], places.street)
    book = workbook(["类别", "事项名称", "责任内设机构"], [["民生服务", "社会救助", "无此科室"]])
    page = client_as("street").post(
        f"/duties/streets/{places.street.pk}/manage/", {"form": "import_duties", "file": book}
    )
    assert page.status_code == 422
    text = page.content.decode()
    assert 'id="import-errors"' in text and 'data-row="2"' in text and "无此科室" in text
    assert not ListedDuty.objects.exists()


def test_a_cancelled_entry_shows_its_reason_and_leaves_the_public_list(client_as: Any, users: Any, places: Any) -> None:
    item = entry(users["street"], places.street)
    client = client_as("street")
    client.post(
        f"/duties/streets/{places.street.pk}/manage/", {"form": "entry_cancel", "row_id": item.pk, "reason": "部门承担"}
    )
    assert EntryItem.objects.get(pk=item.pk).status == "cancelled"
    assert "部门承担" in client.get(f"/duties/streets/{places.street.pk}/manage/").content.decode()
    assert item.title not in Client().get(f"/duties/streets/{places.street.pk}/entries/").content.decode()


def test_street_staff_register_a_task_and_return_it_on_the_pages(client_as: Any, places: Any) -> None:
    client = client_as("street")
    created = client.post(
        "/duties/tasks/",
        {"street_id": places.street.pk, "target_id": places.communities[0].pk, "title": "企业用工台账",
         "department_name": "区人社局", "idempotency_key": "t-1"},
    )  # fmt: skip
    assert created.status_code == 302
    item = PushedTask.objects.get(title="企业用工台账")
    returned = client.post(f"/duties/tasks/{item.pk}/", {"form": "return", "reason": "部门自身职责"})
    assert returned.status_code == 302
    page = client.get(f"/duties/tasks/{item.pk}/").content.decode()
    assert "部门自身职责" in page and 'id="review"' not in page
    refused = client.post(f"/duties/tasks/{item.pk}/", {"form": "accept"})
    assert refused.status_code == 422 and "不能再" in refused.content.decode()


def test_an_exception_without_the_reference_keeps_the_note_typed(client_as: Any, users: Any, places: Any) -> None:
    item = task(users["street"], places.street)
    page = client_as("street").post(f"/duties/tasks/{item.pk}/", {"form": "approve", "note": "民生实事"})
    assert page.status_code == 422
    assert "民生实事" in page.content.decode() and "党工委审批文号" in page.content.decode()


def test_community_staff_see_the_tasks_that_reached_them_read_only(client_as: Any, users: Any, places: Any) -> None:
    mine = task(users["street"], places.street, "到本社区", target=places.communities[0])
    other = task(users["street"], places.street, "到另一个社区", target=places.communities[1])
    client = client_as("community")
    listing = client.get("/duties/tasks/").content.decode()
    assert "到本社区" in listing and "到另一个社区" not in listing and 'id="task-add"' not in listing
    page = client.get(f"/duties/tasks/{mine.pk}/")
    assert page.status_code == 200 and 'id="review"' not in page.content.decode()
    assert client.post(f"/duties/tasks/{mine.pk}/", {"form": "return", "reason": "x"}).status_code == 403
    assert client.get(f"/duties/tasks/{other.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["grid", "resident"])
def test_grid_workers_and_residents_reach_only_the_public_lists(
    client_as: Any, users: Any, places: Any, who: str
) -> None:
    item = task(users["street"], places.street, target=places.communities[0])
    client = client_as(who)
    assert client.get("/duties/tasks/").status_code == 403
    assert client.get(f"/duties/tasks/{item.pk}/").status_code == 404
    index = client.get("/duties/")
    assert index.status_code == 200 and f"/duties/streets/{places.street.pk}/" in index.content.decode()


def test_the_staff_index_shows_the_figures_of_their_street(client_as: Any, places: Any) -> None:
    import re

    demo(places.street)
    page = client_as("street").get("/duties/").content.decode()
    shown = dict(re.findall(r'data-figure="(\w+)"[^>]*><b>([^<]+)</b>', page))
    in_force = ListedDuty.objects.filter(street=places.street, status="in_force").count()
    assert shown["duties_in_force"] == str(in_force)
    assert shown["entries_in_force"] == str(EntryItem.objects.filter(street=places.street, status="in_force").count())
    assert (shown["registered"], shown["returned"], shown["pending"], shown["return_rate"]) == ("5", "1", "2", "33.3%")


def test_an_impossible_period_on_the_index_is_refused_not_a_500(client_as: Any) -> None:
    page = client_as("street").get("/duties/?from=2026-02-30")
    assert page.status_code == 422


def _grow(users: Any, places: Any, n: int, start: int) -> None:
    actor, street = users["street"], places.street
    on_list = entry(actor, street, f"准入{start}")
    for k in range(start, start + n):
        duty(actor, street, f"职责{k}")
        task(actor, street, f"任务{k}", target=places.communities[k % 2], entry=on_list)


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("street", "/duties/streets/{street}/"),
        ("street", "/duties/streets/{street}/entries/"),
        ("street", "/duties/streets/{street}/manage/"),
        ("street", "/duties/tasks/"),
        ("community", "/duties/tasks/"),
        ("street", "/duties/"),
        ("street", "/duties/streets/{street}/duties.xlsx"),
    ],
)
def test_each_page_costs_the_same_queries_for_two_rows_and_for_twelve(
    client_as: Any, users: Any, places: Any, django_assert_max_num_queries: Any, who: str, url: str
) -> None:
    client = client_as(who)
    address = url.format(street=places.street.pk)
    _grow(users, places, 2, 0)
    client.get(address)
    with django_assert_max_num_queries(60) as small:
        assert client.get(address).status_code == 200
    _grow(users, places, 10, 2)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(address).status_code == 200


def test_the_task_page_costs_the_same_queries_however_long_its_timeline(
    client_as: Any, users: Any, places: Any, django_assert_max_num_queries: Any
) -> None:
    from linli.duties import services_tasks as st

    short = task(users["street"], places.street, "短")
    long = task(users["street"], places.street, "长")
    st.task_return(actor=users["street"], task=long, reason="x")
    client = client_as("street")
    client.get(f"/duties/tasks/{short.pk}/")
    with django_assert_max_num_queries(60) as small:
        client.get(f"/duties/tasks/{short.pk}/")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(f"/duties/tasks/{long.pk}/")


def test_a_departments_liaison_registers_their_own_departments_task_on_the_page(users: Any, places: Any) -> None:
    from linli.accounts.middleware import MFA
    from linli.accounts.models import User
    from linli.people.models import Position

    liaison = Position.objects.filter(kind="department_liaison", organisation__isnull=False).order_by("pk").first()
    own = liaison.organisation
    account = User.objects.create_user(username="liaison-page", person=liaison.person)
    client = Client()
    client.force_login(account)
    session = client.session
    session[MFA] = "ok"
    session.save()
    page = client.get("/duties/tasks/").content.decode()
    assert 'id="task-add"' in page and f'<option value="{own.pk}"' in page and "其他(填写名称)" not in page
    form = {
        "street_id": places.street.pk,
        "title": "文明城市创建入户调查",
        "department_id": own.pk,
        "target_id": places.communities[0].pk,
        "idempotency_key": "liaison-1",
    }
    registered = client.post("/duties/tasks/", form)
    assert registered.status_code == 302
    task = PushedTask.objects.get(title="文明城市创建入户调查")
    assert (task.department_id, task.created_by) == (own.pk, account) and task.status == "registered"
    other = Organisation.objects.filter(kind="department").exclude(pk=own.pk).order_by("pk").first()
    refused = client.post("/duties/tasks/", {**form, "department_id": other.pk, "idempotency_key": "liaison-2"})
    assert refused.status_code == 422 and PushedTask.objects.count() == 1
