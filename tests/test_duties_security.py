"""Another street's staff and a grid worker against a street's offices, lists and tasks: every write and every
non-public read is the answer of a missing id (or 403 before any lookup), and nothing changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from linli.duties.models import EntryItem, ListedDuty, PushedTask, StreetOffice
from tests.duties_support import duty, entry, task

pytestmark = pytest.mark.django_db
API = "/api/v1/duties"
MISSING = 987654321


@pytest.fixture
def other_staff(places: Any) -> Any:
    """Staff of a second street of the same district, with an account."""
    from linli.accounts.models import User
    from linli.people.models import Person, Position
    from linli.places.models import Place

    district = Place.objects.get(path=places.street.path[: Place.steplen])
    street = Place.objects.add_child(district, create_kwargs={"name": "第二街道", "kind": "street"})
    person = Person.objects.create(name="第二街道干部", place=street, place_path=street.path)
    Position.objects.create(
        person=person, kind="street_staff", place=street, place_path=street.path, start_date=dt.date(2025, 1, 1)
    )
    return User.objects.create_user(username="other-street", person=person)


def _api(user: Any) -> Client:
    from linli.accounts.services import token_issue

    _, key = token_issue(user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {key}"}, raise_request_exception=False)


def _world(users: Any, places: Any) -> dict[str, Any]:
    item = duty(users["street"], places.street)
    on_list = entry(users["street"], places.street)
    pushed = task(users["street"], places.street, target=places.communities[1], entry=on_list)
    return {"office": item.office, "duty": item, "entry": on_list, "task": pushed}


def _calls(w: dict[str, Any], street_id: int, pk: Any) -> list[tuple[str, str, dict[str, Any]]]:
    ids = {k: (pk(v) if callable(pk) else pk) for k, v in w.items()}
    body = {"category": "livelihood", "title": "x", "office_id": w["office"].pk}
    return [
        ("get", f"{API}/tasks/{ids['task']}", {}),
        ("post", f"{API}/tasks/{ids['task']}/accept", {}),
        ("post", f"{API}/tasks/{ids['task']}/approve", {"approval_ref": "x", "note": "y"}),
        ("post", f"{API}/tasks/{ids['task']}/return", {"reason": "x"}),
        ("put", f"{API}/offices/{ids['office']}", {"name": "改名", "kind": "office"}),
        ("post", f"{API}/offices/{ids['office']}/retire", {}),
        ("put", f"{API}/duties/{ids['duty']}", body),
        ("post", f"{API}/duties/{ids['duty']}/cancel", {"reason": "x"}),
        ("put", f"{API}/entries/{ids['entry']}", {"title": "x", "department_name": "y"}),
        ("post", f"{API}/entries/{ids['entry']}/cancel", {"reason": "x"}),
        ("post", f"{API}/duties?street_id={street_id}", body),
        ("post", f"{API}/entries?street_id={street_id}", {"title": "x", "department_name": "y"}),
        ("post", f"{API}/offices?street_id={street_id}", {"name": "新机构"}),
        ("get", f"{API}/figures?street_id={street_id}", {}),
    ]


@pytest.mark.parametrize("attacker", ["other-street", "grid"])
def test_an_attacker_gets_the_answer_of_a_missing_id_for_everything_but_the_public_lists(
    users: Any, places: Any, other_staff: Any, attacker: str
) -> None:
    w = _world(users, places)
    account = other_staff if attacker == "other-street" else users["grid"]
    api = _api(account)
    before = [(m.objects.count(), list(m.objects.values_list("pk", flat=True))) for m in (ListedDuty, EntryItem)]
    holes = []
    real_calls = _calls(w, places.street.pk, lambda obj: obj.pk)
    missing_calls = _calls(w, MISSING, MISSING)
    for (method, url, body), (_m, missing_url, _b) in zip(real_calls, missing_calls, strict=True):
        real = getattr(api, method)(url, body, content_type="application/json")
        missing = getattr(api, method)(missing_url, body, content_type="application/json")
        if real.status_code != 404 or missing.status_code != 404:
            holes.append(f"{method} {url}: {real.status_code} / missing {missing.status_code}")
    assert holes == []
    assert [
        (m.objects.count(), list(m.objects.values_list("pk", flat=True))) for m in (ListedDuty, EntryItem)
    ] == before
    assert PushedTask.objects.get(pk=w["task"].pk).status == "registered"
    assert StreetOffice.objects.get(pk=w["office"].pk).name == w["office"].name


def test_another_streets_staff_get_not_found_on_the_pages_of_this_street(
    users: Any, places: Any, other_staff: Any
) -> None:
    w = _world(users, places)
    client = Client()
    client.force_login(other_staff)
    assert client.get(f"/duties/streets/{places.street.pk}/manage/").status_code == 404
    assert client.get(f"/duties/tasks/{w['task'].pk}/").status_code == 404
    assert client.post(f"/duties/tasks/{w['task'].pk}/", {"form": "return", "reason": "x"}).status_code == 404
    assert w["task"].title not in client.get("/duties/tasks/").content.decode()
    # the public lists stay public
    assert client.get(f"/duties/streets/{places.street.pk}/").status_code == 200


def test_another_streets_staff_cannot_register_a_task_into_this_street(
    users: Any, places: Any, other_staff: Any
) -> None:
    body = {"street_id": places.street.pk, "title": "越界下派", "department_name": "区某局"}
    response = _api(other_staff).post(f"{API}/tasks", body, content_type="application/json")
    assert response.status_code == 404
    assert not PushedTask.objects.filter(title="越界下派").exists()
    page = Client()
    page.force_login(other_staff)
    sent = page.post("/duties/tasks/", {"street_id": places.street.pk, "title": "越界下派", "department_name": "x"})
    assert sent.status_code in (404, 422)
    assert not PushedTask.objects.filter(title="越界下派").exists()


def test_a_task_id_that_is_missing_or_not_a_number_is_not_found_not_a_500(client_as: Any, users: Any) -> None:
    assert client_as("street").get(f"/duties/tasks/{MISSING}/").status_code == 404
    api = _api(users["street"])
    assert api.get(f"{API}/tasks/{MISSING}").status_code == 404
    assert api.get(f"{API}/tasks/abc").status_code == 422
    assert api.get(f"{API}/duties?street_id=abc").status_code == 422
