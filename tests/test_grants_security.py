"""Another street's staff, a community worker of another street and a grid worker against a street's rounds and
projects: every read and write by id is the answer of a missing id, nothing changes, and the lists leave them out.
Only the public list of approved projects is open to all."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from linli.grants import services as s
from linli.grants.models import GrantProject, GrantRound, ProgressReport, ReviewScore
from tests.grants_support import application, approved, grant_round, social_org

pytestmark = pytest.mark.django_db
API = "/api/v1/grants"
MISSING = 987654321


@pytest.fixture
def strangers(places: Any) -> dict[str, Any]:
    """A second street of the same district, with a street worker and a community worker, each with an account."""
    from linli.accounts.models import User
    from linli.people.models import Person, Position
    from linli.places.models import Place

    district = Place.objects.get(path=places.street.path[: Place.steplen])
    street = Place.objects.add_child(district, create_kwargs={"name": "第二街道", "kind": "street"})
    street = Place.objects.get(pk=street.pk)
    community = Place.objects.add_child(street, create_kwargs={"name": "第二社区", "kind": "community"})
    accounts = {}
    staff = (("other-street", "street_staff", street), ("other-community", "community_staff", community))
    for username, kind, place in staff:
        person = Person.objects.create(name=username, place=place, place_path=place.path)
        Position.objects.create(
            person=person, kind=kind, place=place, place_path=place.path, start_date=dt.date(2025, 1, 1)
        )
        accounts[username] = User.objects.create_user(username=username, person=person)
    return accounts


def _api(user: Any) -> Client:
    from linli.accounts.services import token_issue

    _, key = token_issue(user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {key}"}, raise_request_exception=False)


def _world(users: Any, places: Any) -> dict[str, Any]:
    actor = users["street"]
    round_ = grant_round(actor, places.street)
    org = social_org(actor, places.street)
    waiting = application(actor, round_, org, [places.communities[1]], "滨湖待评项目")
    going = application(actor, round_, org, [places.communities[1]], "滨湖实施项目")
    s.round_review(actor=actor, round_=round_)
    approved(actor, GrantProject.objects.get(pk=going.pk), granted_fen=10_000_00)
    return {"round": round_, "waiting": waiting, "going": going, "org": org}


def _calls(w: dict[str, Any], pk: Any, street_id: Any) -> list[tuple[str, str, dict[str, Any]]]:
    ids = {k: (pk(v) if callable(pk) else pk) for k, v in w.items()}
    today = timezone.localdate().isoformat()
    return [
        ("get", f"{API}/rounds/{ids['round']}", {}),
        (
            "put",
            f"{API}/rounds/{ids['round']}",
            {
                "title": "x",
                "year": 2026,
                "budget_fen": 1,
                "opens_on": today,
                "closes_on": today,
                "service_fields": ["elderly"],
            },
        ),
        ("post", f"{API}/rounds/{ids['round']}/close", {}),
        ("get", f"{API}/projects/{ids['waiting']}", {}),
        ("post", f"{API}/projects/{ids['waiting']}/score", {"score": 100}),
        ("post", f"{API}/projects/{ids['waiting']}/approve", {"granted_fen": 100}),
        ("post", f"{API}/projects/{ids['waiting']}/reject", {"reason": "x"}),
        ("post", f"{API}/projects/{ids['going']}/reports", {"on_date": today, "text": "x", "beneficiaries": 1}),
        (
            "post",
            f"{API}/projects/{ids['going']}/disbursements",
            {"tranche": "first", "amount_fen": 1, "paid_on": today},
        ),
        ("post", f"{API}/projects/{ids['going']}/complete", {"grade": "good", "summary": "x"}),
        ("post", f"{API}/projects/{ids['going']}/terminate", {"reason": "x"}),
        ("post", f"{API}/projects/{ids['going']}/contact/reveal", {"reason": "想看看"}),
        ("get", f"{API}/projects?round_id={ids['round']}", {}),
        ("get", f"{API}/figures?node_id={street_id}", {}),
    ]


@pytest.mark.parametrize("attacker", ["other-street", "other-community", "grid", "volunteer"])
def test_an_attacker_gets_the_answer_of_a_missing_id_for_everything_but_the_public_list(
    users: Any, places: Any, strangers: Any, attacker: str
) -> None:
    w = _world(users, places)
    account = strangers.get(attacker) or users[attacker]
    api = _api(account)
    before = list(GrantProject.objects.order_by("pk").values_list("status", "granted_fen", "paid_fen"))
    holes = []
    real_calls = _calls(w, lambda obj: obj.pk, places.street.pk)
    missing_calls = _calls(w, MISSING, MISSING)
    for (method, url, body), (_m, missing_url, _b) in zip(real_calls, missing_calls, strict=True):
        real = getattr(api, method)(url, body, content_type="application/json")
        missing = getattr(api, method)(missing_url, body, content_type="application/json")
        if real.status_code != 404 or missing.status_code != 404:
            holes.append(f"{method} {url}: {real.status_code} / missing {missing.status_code}")
        elif real.json().keys() != missing.json().keys() or "滨湖" in str(real.json()):
            holes.append(f"{method} {url}: the 404 differs from a missing id's: {real.json()}")
    assert holes == []
    assert list(GrantProject.objects.order_by("pk").values_list("status", "granted_fen", "paid_fen")) == before
    assert not ReviewScore.objects.filter(reviewer=account).exists()
    assert not ProgressReport.objects.exists()
    assert GrantRound.objects.get(pk=w["round"].pk).status == "reviewing"
    assert api.get(f"{API}/rounds").json()["items"] == [] and api.get(f"{API}/projects").json()["items"] == []
    assert api.get(f"{API}/public/projects?node_id={places.street.pk}").status_code == 200


@pytest.mark.parametrize("attacker", ["other-street", "other-community", "grid"])
def test_an_attacker_gets_not_found_on_the_pages_of_this_street(
    users: Any, places: Any, strangers: Any, attacker: str
) -> None:
    w = _world(users, places)
    client = Client()
    client.force_login(strangers.get(attacker) or users[attacker])
    round_url, project_url = f"/grants/rounds/{w['round'].pk}/", f"/grants/projects/{w['waiting'].pk}/"
    pages = [round_url, project_url, f"{round_url}export.xlsx"]
    for url in pages:
        assert client.get(url).status_code == 404, url
    approve = {"form": "approve", "project_id": w["waiting"].pk, "granted": "1"}
    assert client.post(f"/grants/rounds/{w['round'].pk}/", approve).status_code == 404
    assert client.post(f"/grants/projects/{w['waiting'].pk}/", {"form": "score", "score": "100"}).status_code == 404
    assert "滨湖待评项目" not in client.get("/grants/").content.decode()
    assert GrantProject.objects.get(pk=w["waiting"].pk).status == "submitted"
    assert client.get(f"/grants/public/{places.street.pk}/").status_code == 200  # the public list stays public


def test_the_other_communitys_worker_sees_neither_its_neighbours_projects_nor_registers_for_them(
    users: Any, places: Any
) -> None:
    w = _world(users, places)
    community = _api(users["community"])  # 花园社区's worker; the world's projects serve 滨湖社区
    assert community.get(f"{API}/rounds/{w['round'].pk}").status_code == 200  # their street's round
    assert community.get(f"{API}/projects/{w['waiting'].pk}").status_code == 404
    assert community.get(f"{API}/projects?round_id={w['round'].pk}").json()["items"] == []
    draft = grant_round(users["street"], places.street, status="draft", title="明年的轮次")
    assert community.get(f"{API}/rounds/{draft.pk}").status_code == 404  # a draft is the street's own business
    assert _api(users["street"]).get(f"{API}/rounds/{draft.pk}").status_code == 200


def test_ids_that_are_missing_or_not_numbers_are_not_found_not_a_500(client_as: Any, users: Any) -> None:
    api = _api(users["street"])
    assert api.get(f"{API}/projects/{MISSING}").status_code == 404
    assert api.get(f"{API}/projects/abc").status_code == 422
    assert api.get(f"{API}/figures?node_id=abc").status_code == 422
    assert client_as("street").get(f"/grants/projects/{MISSING}/").status_code == 404
    assert Client().get(f"/grants/public/{MISSING}/").status_code == 404
