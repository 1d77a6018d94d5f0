"""The street duty-list API under /api/v1/duties/: public lists for any signed-in caller, writes for the street's
staff only (404 for anyone else, like a missing id), the review with its 409s, import with row errors, figures,
and list costs that do not grow with rows."""

from __future__ import annotations

from typing import Any

import pytest

from linli.duties.models import ListedDuty, PushedTask
from tests.duties_support import demo, duty, entry, offices, task, workbook

pytestmark = pytest.mark.django_db
API = "/api/v1/duties"


def test_street_staff_keep_the_duty_list_through_the_api(api_as: Any, users: Any, places: Any) -> None:
    api, street = api_as("street"), places.street
    found = offices(users["street"], street)
    body = {
        "category": "livelihood",
        "title": "社会救助",
        "office_id": found["社会事务办公室"].pk,
        "basis": "《社会救助暂行办法》",
    }
    created = api.post(f"{API}/duties?street_id={street.pk}", body, content_type="application/json")
    assert created.status_code == 201, created.content
    duty_id = created.json()["id"]
    retried = api.post(
        f"{API}/duties?street_id={street.pk}", body, content_type="application/json", headers={"Idempotency-Key": "x"}
    )
    assert retried.status_code == 409  # the title is in force already
    updated = api.put(f"{API}/duties/{duty_id}", {**body, "responsibility": "support"}, content_type="application/json")
    assert updated.json()["responsibility"] == "support"
    cancelled = api.post(f"{API}/duties/{duty_id}/cancel", {"reason": "上收"}, content_type="application/json")
    assert cancelled.json()["status"] == "cancelled"
    listed = api.get(f"{API}/duties", {"street_id": street.pk, "status": ""}).json()["items"]
    assert [d["title"] for d in listed] == ["社会救助"]
    assert api.get(f"{API}/duties", {"street_id": street.pk}).json()["items"] == []


def test_an_idempotent_create_retried_with_its_key_answers_200_with_the_first(
    api_as: Any, users: Any, places: Any
) -> None:
    api, street = api_as("street"), places.street
    found = offices(users["street"], street)
    body = {"category": "party", "title": "党员教育", "office_id": found["党群服务中心"].pk}
    first = api.post(
        f"{API}/duties?street_id={street.pk}", body, content_type="application/json", headers={"Idempotency-Key": "k"}
    )
    again = api.post(
        f"{API}/duties?street_id={street.pk}", body, content_type="application/json", headers={"Idempotency-Key": "k"}
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]


@pytest.mark.parametrize("who", ["community", "grid", "resident"])
def test_anyone_but_the_streets_staff_gets_not_found_on_its_writes(
    api_as: Any, users: Any, places: Any, who: str
) -> None:
    street = places.street
    item = duty(users["street"], street)
    api = api_as(who)
    body = {"category": "livelihood", "title": "x", "office_id": item.office_id}
    assert api.post(f"{API}/duties?street_id={street.pk}", body, content_type="application/json").status_code == 404
    assert api.put(f"{API}/duties/{item.pk}", body, content_type="application/json").status_code == 404
    assert (
        api.post(f"{API}/duties/{item.pk}/cancel", {"reason": "x"}, content_type="application/json").status_code == 404
    )
    assert api.post(f"{API}/offices/{item.office_id}/retire").status_code == 404
    assert api.get(f"{API}/figures", {"street_id": street.pk}).status_code == 404
    assert ListedDuty.objects.get(pk=item.pk).title == "社会救助"


def test_the_public_lists_are_read_by_any_signed_in_caller(api_as: Any, users: Any, places: Any) -> None:
    duty(users["street"], places.street)
    entry(users["street"], places.street)
    api = api_as("resident")
    assert [d["title"] for d in api.get(f"{API}/duties", {"street_id": places.street.pk}).json()["items"]] == [
        "社会救助"
    ]
    assert len(api.get(f"{API}/entries", {"street_id": places.street.pk}).json()["items"]) == 1
    assert len(api.get(f"{API}/offices", {"street_id": places.street.pk}).json()["items"]) == 8
    assert api.get(f"{API}/duties", {"street_id": places.communities[0].pk}).status_code == 404


def test_without_a_street_the_lists_are_the_callers_own_streets(api_as: Any, users: Any, places: Any) -> None:
    duty(users["street"], places.street)
    api = api_as("resident")
    assert [d["title"] for d in api.get(f"{API}/duties").json()["items"]] == ["社会救助"]
    assert api.get(f"{API}/entries").status_code == 200
    bad = api.get(f"{API}/duties", {"cursor": "!!!"})
    assert bad.status_code == 422 and bad.json()["field"] == "cursor"


def test_the_review_through_the_api_refuses_an_illegal_transition_with_409(
    api_as: Any, users: Any, places: Any
) -> None:
    api = api_as("street")
    on_list = entry(users["street"], places.street)
    registered = api.post(
        f"{API}/tasks",
        {"street_id": places.street.pk, "target_id": places.communities[0].pk, "title": "医保参保动员",
         "department_name": "区医疗保障局", "entry_id": on_list.pk},
        content_type="application/json",
    )  # fmt: skip
    assert registered.status_code == 201, registered.content
    task_id = registered.json()["id"]
    assert registered.json()["may_review"] is True
    returned = api.post(f"{API}/tasks/{task_id}/return", {"reason": "重复"}, content_type="application/json")
    assert returned.json()["status"] == "returned"
    assert [e["to_status"] for e in returned.json()["events"]] == ["registered", "returned"]
    refused = api.post(f"{API}/tasks/{task_id}/accept", {}, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["error"] == "conflict"
    again = api.post(f"{API}/tasks/{task_id}/return", {"reason": "再退一次"}, content_type="application/json")
    assert again.status_code == 200 and again.json()["decision_note"] == "重复"


def test_community_staff_read_the_tasks_that_reached_their_community_and_nothing_else(
    api_as: Any, users: Any, places: Any
) -> None:
    mine = task(users["street"], places.street, "到本社区", target=places.communities[0])
    other = task(users["street"], places.street, "到另一个社区", target=places.communities[1])
    at_street = task(users["street"], places.street, "到街道")
    api = api_as("community")
    listed = [t["id"] for t in api.get(f"{API}/tasks").json()["items"]]
    assert listed == [mine.pk]
    assert api.get(f"{API}/tasks/{mine.pk}").json()["may_review"] is False
    assert api.get(f"{API}/tasks/{other.pk}").status_code == 404
    assert api.get(f"{API}/tasks/{at_street.pk}").status_code == 404
    refused = api.post(f"{API}/tasks/{mine.pk}/return", {"reason": "不接"}, content_type="application/json")
    assert refused.status_code == 403
    assert PushedTask.objects.get(pk=mine.pk).status == "registered"


def test_a_grid_worker_sees_no_task_and_may_register_none(api_as: Any, users: Any, places: Any) -> None:
    item = task(users["street"], places.street, target=places.communities[0])
    api = api_as("grid")
    assert api.get(f"{API}/tasks").json()["items"] == []
    assert api.get(f"{API}/tasks/{item.pk}").status_code == 404
    body = {"street_id": places.street.pk, "title": "x", "department_name": "y"}
    assert api.post(f"{API}/tasks", body, content_type="application/json").status_code == 404


def test_an_import_through_the_api_answers_422_with_every_wrong_row(api_as: Any, users: Any, places: Any) -> None:
    offices(users["street"], places.street)
    book = workbook(
        ["类别", "事项名称", "责任内设机构"],
        [["民生服务", "社会救助", "社会事务办公室"], ["民生", "养老", "社会事务办公室"]],
    )
    refused = api_as("street").post(f"{API}/imports/duties?street_id={places.street.pk}", {"file": book})
    assert refused.status_code == 422
    assert refused.json()["rows"] == [{"row": 3, "column": "类别", "message": refused.json()["rows"][0]["message"]}]
    assert not ListedDuty.objects.exists()
    good = workbook(["类别", "事项名称", "责任内设机构"], [["民生服务", "社会救助", "社会事务办公室"]])
    done = api_as("street").post(f"{API}/imports/duties?street_id={places.street.pk}", {"file": good})
    assert done.json() == {"created": 1, "updated": 0, "unchanged": 0}


def test_the_figures_through_the_api_match_the_records(api_as: Any, users: Any, places: Any) -> None:
    demo(places.street)
    body = api_as("street").get(f"{API}/figures", {"street_id": places.street.pk}).json()
    assert body["duties_in_force"] == ListedDuty.objects.filter(street=places.street, status="in_force").count()
    assert (body["registered"], body["accepted"], body["approved"], body["returned"], body["pending"]) == (
        5,
        1,
        1,
        1,
        2,
    )
    assert body["return_rate"] == round(1 / 3, 4)
    reversed_period = api_as("street").get(
        f"{API}/figures", {"street_id": places.street.pk, "since": "2026-12-31", "until": "2026-01-01"}
    )
    assert reversed_period.status_code == 422


def _more_tasks(actor: Any, street: Any, n: int, communities: list[Any]) -> None:
    on_list = entry(actor, street, f"事项{n}")
    for k in range(n):
        task(actor, street, f"任务{n}-{k}", target=communities[k % len(communities)], entry=on_list)


@pytest.mark.parametrize(
    "path",
    [f"{API}/tasks", f"{API}/duties?street_id={{street}}", f"{API}/entries?street_id={{street}}",
     f"{API}/offices?street_id={{street}}"],
)  # fmt: skip
def test_each_list_costs_the_same_queries_for_two_rows_and_for_twelve(
    api_as: Any, users: Any, places: Any, django_assert_max_num_queries: Any, path: str
) -> None:
    actor, street = users["street"], places.street
    api = api_as("street")
    url = path.format(street=street.pk)
    offices(actor, street)
    _more_tasks(actor, street, 2, places.communities)
    for n in range(2):
        duty(actor, street, f"职责{n}")
    api.get(url)  # warm the caches the first request fills
    with django_assert_max_num_queries(40) as small:
        assert api.get(url).status_code == 200
    _more_tasks(actor, street, 10, places.communities)
    for n in range(2, 12):
        duty(actor, street, f"职责{n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert api.get(url).status_code == 200
