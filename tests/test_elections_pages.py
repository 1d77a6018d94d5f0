"""The election pages: staff set one up and take it through each step with the page's forms; an owner ticks up to
``seats`` candidates; staff enter paper ballots; the result page shows counts, never who voted how; strangers get
the 404 of a missing id; the list's queries do not grow with rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.elections import services as es
from linli.elections import services_ballots as eb
from linli.elections.models import Candidate, Election, ElectionBallot
from tests.elections_support import draft, elapse_publicity, fields, make_owners, voter_of, voting

pytestmark = pytest.mark.django_db


@pytest.fixture
def owners(users: Any, places: Any) -> list[Any]:
    return make_owners(places.compounds[0], ["100"] * 5, first=users["resident"].person)


def test_staff_set_up_an_election_and_take_it_to_voting_with_the_pages_forms(
    client_as: Any, users: Any, places: Any, owners: list[Any]
) -> None:
    staff = client_as("community")
    assert staff.get("/elections/").status_code == 200
    today = timezone.localdate()
    form = {
        "place_id": places.compounds[0].pk,
        "kind": "founding",
        "body": "supervisory_board",
        "seats": "2",
        "term_starts": (today + dt.timedelta(days=30)).isoformat(),
        "term_ends": (today + dt.timedelta(days=30 + 365 * 3)).isoformat(),
        "publicity_days": "7",
        "idempotency_key": "page-1",
    }
    bad = staff.post("/elections/new/", {**form, "seats": "0"})
    assert bad.status_code == 422 and "应选名额" in bad.content.decode()
    created = staff.post("/elections/new/", form)
    assert created.status_code == 302
    election = Election.objects.get(place=places.compounds[0])
    assert staff.post("/elections/new/", form).status_code == 302  # a double submit
    assert Election.objects.filter(place=places.compounds[0]).count() == 1
    url = f"/elections/{election.pk}/"
    refused = staff.post(url, {"form": "prep_add", "name": "业主甲", "role": "chair", "affiliation": "owner"})
    assert refused.status_code == 422 and "组长应由" in refused.content.decode()
    assert (
        staff.post(url, {"form": "prep_add", "name": "王支书", "role": "chair", "affiliation": "branch"}).status_code
        == 302
    )
    page = staff.get(url).content.decode()
    assert owners[1].name in page  # offered as a candidate
    for person in owners[:3]:
        assert staff.post(url, {"form": "candidate_add", "person_id": person.pk}).status_code == 302
    assert staff.post(url, {"form": "check", "note": "同意"}).status_code == 302
    assert staff.post(url, {"form": "publish"}).status_code == 302
    early = staff.post(url, {"form": "open", "closes_at": "2030-01-01T10:00"})
    assert early.status_code == 422 and "公示期" in early.content.decode()
    elapse_publicity(election)
    closes = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    assert staff.post(url, {"form": "open", "closes_at": closes}).status_code == 302
    assert Election.objects.get(pk=election.pk).status == "voting"


def test_an_owner_ticks_candidates_on_the_ballot_page_and_more_than_the_seats_is_refused(
    client_as: Any, users: Any, places: Any, owners: list[Any]
) -> None:
    election = voting(users["community"], places.compounds[0], owners[:3], seats=2)
    a, b, c = Candidate.objects.filter(election=election).order_by("id").values_list("id", flat=True)
    resident = client_as("resident")
    url = f"/elections/{election.pk}/vote/"
    assert 'name="candidate"' in resident.get(url).content.decode()
    too_many = resident.post(url, {"candidate": [a, b, c]})
    assert too_many.status_code == 422 and "最多选 2 名" in too_many.content.decode()
    assert resident.post(url, {"candidate": [a]}).status_code == 302
    assert ElectionBallot.objects.filter(election=election).count() == 1
    assert 'id="voted"' in resident.get(url).content.decode()


def test_staff_enter_paper_ballots_and_a_repeated_number_is_refused_on_the_page(
    client_as: Any, users: Any, places: Any, owners: list[Any]
) -> None:
    election = voting(users["community"], places.compounds[0], owners[:2], seats=1)
    staff = client_as("community")
    url = f"/elections/{election.pk}/paper/"
    a = Candidate.objects.filter(election=election).order_by("id").first().pk
    first = voter_of(election, owners[1])
    assert staff.post(url, {"voter_id": first.pk, "paper_number": "P-1", "candidate": [a]}).status_code == 302
    second = voter_of(election, owners[2])
    repeated = staff.post(url, {"voter_id": second.pk, "paper_number": "P-1", "candidate": [a]})
    assert repeated.status_code == 422 and "已录入过" in repeated.content.decode()
    assert client_as("resident").get(url).status_code == 404
    assert client_as("grid").get(url).status_code == 404


def test_staff_register_and_withdraw_a_written_proxy_on_the_paper_page_and_a_bad_id_keeps_the_form(
    client_as: Any, users: Any, places: Any, owners: list[Any]
) -> None:
    from linli.elections.models import ElectionProxy

    election = voting(users["community"], places.compounds[0], owners[:2], seats=1)
    staff = client_as("community")
    url = f"/elections/{election.pk}/paper/"
    voter = voter_of(election, owners[3])
    refused = staff.post(
        url, {"form": "proxy", "voter_id": voter.pk, "proxy_person_id": "999999999", "document": "委托书 W-1"}
    )
    assert refused.status_code == 422 and 'value="委托书 W-1"' in refused.content.decode()
    done = staff.post(
        url, {"form": "proxy", "voter_id": voter.pk, "proxy_person_id": owners[4].pk, "document": "委托书 W-1"}
    )
    assert done.status_code == 302
    registration = ElectionProxy.objects.get(election=election, voter=voter)
    assert registration.proxy_id == owners[4].pk
    assert f'data-proxy="{registration.pk}"' in staff.get(url).content.decode()
    assert staff.post(url, {"form": "proxy_withdraw", "proxy_id": registration.pk}).status_code == 302
    assert not ElectionProxy.objects.filter(election=election).exists()
    assert client_as("grid").post(url, {"form": "proxy_withdraw", "proxy_id": 1}).status_code == 404


def test_the_result_page_shows_each_candidates_counts_and_never_who_voted_how(
    client_as: Any, users: Any, places: Any, owners: list[Any]
) -> None:
    staff = users["community"]
    election = voting(staff, places.compounds[0], owners[:2], seats=1)
    a = Candidate.objects.filter(election=election).order_by("id").first()
    for i, person in enumerate(owners[:4]):
        eb.ballot_enter_paper(
            actor=staff, election=election, voter=voter_of(election, person), candidate_ids=[a.pk], paper_number=f"R{i}"
        )
    assert 'id="not-counted"' in client_as("resident").get(f"/elections/{election.pk}/result/").content.decode()
    es.election_close(actor=staff, election=election, reason="收回")
    page = client_as("resident").get(f"/elections/{election.pk}/result/").content.decode()
    assert a.name in page and 'data-met="1"' in page
    assert owners[3].name not in page and owners[2].name not in page  # voters, not candidates: never named


def test_a_failed_election_says_which_participation_condition_failed(
    client_as: Any, users: Any, places: Any, owners: list[Any]
) -> None:
    staff = users["community"]
    election = voting(staff, places.compounds[0], owners[:1], seats=1)
    eb.ballot_enter_paper(
        actor=staff, election=election, voter=voter_of(election, owners[0]), candidate_ids=[], paper_number="1"
    )
    es.election_close(actor=staff, election=election, reason="到期")
    page = client_as("community").get(f"/elections/{election.pk}/result/").content.decode()
    assert 'id="failed"' in page and "参与投票业主人数" in page and "参与投票专有部分面积" in page


def test_strangers_get_the_404_of_a_missing_id_on_every_election_page(client_as: Any, users: Any, places: Any) -> None:
    other = places.compounds[-1]
    election, _ = es.election_create(actor=users["street"], place=other, fields=fields())
    grid = client_as("grid")
    for suffix in ("", "vote/", "result/", "paper/"):
        assert grid.get(f"/elections/{election.pk}/{suffix}").status_code == 404
        assert grid.get(f"/elections/987654321/{suffix}").status_code == 404
    assert client_as("grid").get("/elections/new/").status_code == 403


def test_the_list_page_costs_the_same_queries_for_one_election_or_many(client_as: Any, users: Any, places: Any) -> None:
    street = client_as("street")
    draft(users["street"], places.compounds[0])
    street.get("/elections/")
    with CaptureQueriesContext(connection) as one:
        assert street.get("/elections/").status_code == 200
    for compound in places.compounds[1:4]:
        draft(users["street"], compound)
    with CaptureQueriesContext(connection) as many:
        page = street.get("/elections/")
    assert page.content.decode().count("data-election=") == 4
    assert len(many) == len(one)
