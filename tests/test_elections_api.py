"""The elections API: a whole election driven over HTTP, scoping (404 like a missing id), the result without who
voted how, the figures, clear 422s and list query counts that do not grow with rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.elections import services as es
from linli.elections.models import Candidate, Election
from tests.elections_support import draft, elapse_publicity, fields, make_owners, set_party, voting

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def owners(users: Any, places: Any) -> list[Any]:
    return make_owners(places.compounds[0], ["120", "80", "100", "100", "100"], first=users["resident"].person)


def test_staff_run_a_whole_renewal_over_the_api_and_owners_read_the_result(
    api_as: Any, users: Any, places: Any, owners: list[Any]
) -> None:
    from linli.orgs.services import organisation_register

    compound = places.compounds[0]
    committee = organisation_register(actor=users["community"], kind="supervisory_board", name="监事会", home=compound)
    for person in owners[:2]:
        set_party(person, True)
    api = api_as("community")
    today = timezone.localdate()
    body = {
        "place_id": compound.pk,
        "kind": "renewal",
        "body": "supervisory_board",
        "committee_id": committee.pk,
        "seats": 2,
        "term_starts": (today + dt.timedelta(days=10)).isoformat(),
        "term_ends": (today + dt.timedelta(days=10 + 365 * 3)).isoformat(),
    }
    created = api.post("/api/v1/elections", body, content_type=JSON, headers={"Idempotency-Key": "api-1"})
    assert created.status_code == 201, created.content
    again = api.post("/api/v1/elections", body, content_type=JSON, headers={"Idempotency-Key": "api-1"})
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    eid = created.json()["id"]
    base = f"/api/v1/elections/{eid}"
    chair = {"role": "chair", "affiliation": "branch", "name": "王支书"}
    assert api.post(f"{base}/prep-members", chair, content_type=JSON).status_code == 201
    for person in owners[:3]:
        r = api.post(f"{base}/candidates", {"person_id": person.pk}, content_type=JSON)
        assert r.status_code == 201, r.content
    check = api.post(f"{base}/check", {"note": "同意"}, content_type=JSON).json()
    assert (check["party_candidates"], check["candidates"], check["party_below_target"]) == (2, 3, False)
    assert api.post(f"{base}/publish").status_code == 200
    closes = (timezone.now() + dt.timedelta(days=3)).isoformat()
    early = api.post(f"{base}/open", {"closes_at": closes}, content_type=JSON)
    assert early.status_code == 409
    elapse_publicity(Election.objects.get(pk=eid))
    assert api.post(f"{base}/open", {"closes_at": closes}, content_type=JSON).status_code == 200
    a, b, c = Candidate.objects.filter(election_id=eid).order_by("id").values_list("id", flat=True)
    owner_api = api_as("resident")
    too_many = owner_api.post(f"{base}/ballots", {"candidate_ids": [a, b, c]}, content_type=JSON)
    assert too_many.status_code == 422 and too_many.json()["field"] == "candidate_ids"
    assert owner_api.post(f"{base}/ballots", {"candidate_ids": [a, b]}, content_type=JSON).status_code == 201
    assert owner_api.post(f"{base}/ballots", {"candidate_ids": [a]}, content_type=JSON).status_code == 409
    voters = api.get(f"{base}/voters").json()["items"]
    by_label = {v["label"]: v for v in voters}
    assert by_label[owners[0].name]["voted"] is True and by_label[owners[1].name]["voted"] is False
    for i, person in enumerate(owners[1:4]):
        voter = by_label[person.name]["id"]
        paper = {"voter_id": voter, "candidate_ids": [a, b], "paper_number": f"A-{i}"}
        assert api.post(f"{base}/paper-ballots", paper, content_type=JSON).status_code == 201
    assert api.get(f"{base}/result").json()["counted"] is False  # no figures before voting closes
    closed = api.post(f"{base}/close", {"reason": "纸质票已收回"}, content_type=JSON).json()
    assert closed["participation_met"] is True and closed["participating_owners"] == 4
    assert api.post(f"{base}/certify", {}, content_type=JSON).json()["certified_seats"] == [a, b]
    seated = api.post(f"{base}/seat", {"chair_candidate_id": a}, content_type=JSON)
    assert seated.status_code == 200 and seated.json()["status"] == "seated"

    result = owner_api.get(f"{base}/result")
    assert result.status_code == 200
    text = result.content.decode()
    counts = {x["name"]: x["approvals"] for x in result.json()["candidates"]}
    assert counts == {owners[0].name: 4, owners[1].name: 4, owners[2].name: 0}
    assert owners[3].name not in text  # voters who are not candidates never appear; nor who chose whom


def test_a_grid_worker_and_another_communitys_staff_get_the_404_of_a_missing_id(
    api_as: Any, users: Any, places: Any
) -> None:
    election = draft(users["community"], places.compounds[0])
    for who in ("grid", "resident"):  # a draft: only those who run it
        assert api_as(who).get(f"/api/v1/elections/{election.pk}").status_code == 404
    es.election_create(actor=users["street"], place=places.compounds[-1], fields=fields())
    other = Election.objects.get(place=places.compounds[-1])
    missing = api_as("community").get("/api/v1/elections/987654321")
    elsewhere = api_as("community").get(f"/api/v1/elections/{other.pk}")
    assert elsewhere.status_code == missing.status_code == 404
    assert elsewhere.json() == missing.json()
    assert api_as("community").post(f"/api/v1/elections/{other.pk}/publish").status_code == 404
    assert api_as("grid").get(f"/api/v1/elections/{election.pk}/voters").status_code == 404


def test_a_published_election_is_seen_by_the_compounds_owners_and_residents_but_not_run_by_them(
    api_as: Any, users: Any, places: Any, owners: list[Any]
) -> None:
    election = voting(users["community"], places.compounds[0], owners[:2], seats=1)
    resident = api_as("resident")
    detail = resident.get(f"/api/v1/elections/{election.pk}").json()
    assert detail["may_manage"] is False and [c["name"] for c in detail["candidate_list"]] == [
        owners[0].name,
        owners[1].name,
    ]
    assert resident.get(f"/api/v1/elections/{election.pk}/voters").status_code == 404
    assert resident.post(f"/api/v1/elections/{election.pk}/close", {}, content_type=JSON).status_code == 404
    listed = [e["id"] for e in resident.get("/api/v1/elections").json()["items"]]
    assert election.pk in listed


def test_the_figures_count_held_succeeded_failed_and_the_party_and_cross_shares_of_those_elected(
    api_as: Any, users: Any, places: Any, owners: list[Any]
) -> None:
    from linli.elections import services_ballots as eb
    from tests.elections_support import voter_of

    staff = users["community"]
    set_party(owners[0], True)
    set_party(owners[1], False)
    election = voting(staff, places.compounds[0], owners[:2], seats=2)
    a, b = Candidate.objects.filter(election=election).order_by("id")
    Candidate.objects.filter(pk=a.pk).update(cross_branch=True)
    for i, person in enumerate(owners[:4]):
        eb.ballot_enter_paper(
            actor=staff,
            election=election,
            voter=voter_of(election, person),
            candidate_ids=[a.pk, b.pk],
            paper_number=str(i),
        )
    es.election_close(actor=staff, election=election, reason="收回")
    es.election_certify(actor=staff, election=election)
    f = api_as("community").get("/api/v1/elections/figures", {"place_id": places.communities[0].pk}).json()
    assert (f["held"], f["succeeded"], f["failed"], f["elected"]) == (1, 1, 0, 2)
    assert (f["party_share"], f["cross_share"]) == (0.5, 0.5)
    assert f["by_kind"] == [{"kind": "founding", "label": "首次成立", "elections": 1}]
    assert api_as("grid").get("/api/v1/elections/figures", {"place_id": places.communities[0].pk}).status_code == 404


def test_the_list_costs_the_same_queries_for_one_election_or_many(api_as: Any, users: Any, places: Any) -> None:
    api = api_as("street")
    compounds = [c for c in places.compounds][:4]
    es.election_create(actor=users["street"], place=compounds[0], fields=fields())
    api.get("/api/v1/elections")  # warm the token and position caches
    with CaptureQueriesContext(connection) as one:
        assert len(api.get("/api/v1/elections").json()["items"]) == 1
    for compound in compounds[1:]:
        es.election_create(actor=users["street"], place=compound, fields=fields())
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/api/v1/elections").json()["items"]) == len(compounds)
    assert len(many) == len(one)


def test_a_bad_cursor_is_422_on_cursor(api_as: Any) -> None:
    response = api_as("community").get("/api/v1/elections", {"cursor": "不是游标"})
    assert response.status_code == 422 and response.json()["field"] == "cursor"
