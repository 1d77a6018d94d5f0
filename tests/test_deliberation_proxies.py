"""The proxy register: staff record a written authorisation (委托书) they have seen, and the person it
names casts that voter's ballot online — beyond the one unverified online proxy a person a vote, and
nobody else may cast that ballot as a proxy."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from linli.accounts.models import User
from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.deliberation.models import Ballot, ProxyRegistration, Vote, Voter, VoteStatus
from linli.deliberation.selectors import proxy_duties
from linli.deliberation.services_votes import ballot_cast, proxy_register, proxy_withdraw
from linli.people.models import Person
from tests.test_deliberation_votes import open_owners_vote, voter_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def owners_vote(users: Any, places: Any) -> tuple[Vote, list[Person]]:
    return open_owners_vote(users, places)


def _register(users: Any, vote: Vote, principal: Person, proxy: Person, document: str = "委托书 2026-031") -> Any:
    return proxy_register(
        actor=users["community"], vote=vote, voter=voter_of(vote, principal), proxy=proxy, document=document
    )


def test_a_registered_proxy_casts_several_ballots_online_beyond_the_unverified_cap(
    users: Any, owners_vote: Any
) -> None:
    vote, owners = owners_vote
    me = users["resident"].person
    for principal in owners[1:4]:
        _register(users, vote, principal, me)
    ballot_cast(actor=users["resident"], vote=vote, choice="for")
    for principal in owners[1:4]:
        ballot_cast(actor=users["resident"], vote=vote, choice="for", for_voter=voter_of(vote, principal))
    # and the one unverified proxy a person a vote still stands beside them
    ballot_cast(
        actor=users["resident"],
        vote=vote,
        choice="against",
        for_voter=voter_of(vote, owners[4]),
        proxy_authorisation="口头委托",
    )
    with pytest.raises(Forbidden):
        ballot_cast(
            actor=users["resident"],
            vote=vote,
            choice="for",
            for_voter=voter_of(vote, owners[5]),
            proxy_authorisation="口头委托",
        )
    registered = Ballot.objects.filter(vote=vote, voter=voter_of(vote, owners[1])).get()
    assert registered.proxy_id == me.pk and registered.proxy_authorisation == "委托书 2026-031"
    assert Ballot.objects.filter(vote=vote).count() == 5


def test_nobody_but_the_registered_proxy_may_cast_that_ballot_as_a_proxy(users: Any, owners_vote: Any) -> None:
    vote, owners = owners_vote
    _register(users, vote, owners[1], owners[2])
    with pytest.raises(Forbidden, match="已委托他人"):
        ballot_cast(
            actor=users["resident"],
            vote=vote,
            choice="for",
            for_voter=voter_of(vote, owners[1]),
            proxy_authorisation="我也有委托书",
        )
    assert not Ballot.objects.filter(vote=vote).exists()


def test_the_voter_may_still_vote_in_person_and_then_the_registration_cannot_be_withdrawn(
    users: Any, owners_vote: Any
) -> None:
    vote, owners = owners_vote
    registration = _register(users, vote, users["resident"].person, owners[1])
    ballot_cast(actor=users["resident"], vote=vote, choice="against")
    with pytest.raises(Conflict, match="已经投票"):
        proxy_withdraw(actor=users["community"], registration=registration)
    assert proxy_duties(User(person_id=owners[1].pk), vote) == []


def test_a_registration_is_withdrawn_before_the_vote_and_both_steps_are_audited(users: Any, owners_vote: Any) -> None:
    vote, owners = owners_vote
    registration = _register(users, vote, owners[1], users["resident"].person)
    assert [v.pk for v in proxy_duties(users["resident"], vote)] == [voter_of(vote, owners[1]).pk]
    proxy_withdraw(actor=users["community"], registration=registration)
    assert not ProxyRegistration.objects.exists()
    actions = list(AuditEvent.objects.filter(action__startswith="vote.proxy_").values_list("action", flat=True))
    assert sorted(actions) == ["vote.proxy_registered", "vote.proxy_withdrawn"]


@pytest.mark.parametrize(
    "case, error",
    [
        ("twice", Conflict),
        ("voted", Conflict),
        ("self", InvalidInput),
        ("no document", InvalidInput),
        ("closed", Conflict),
        ("grid worker elsewhere", Forbidden),
        ("resident", Forbidden),
    ],
)
def test_registrations_that_make_no_sense_are_refused(users: Any, owners_vote: Any, case: str, error: Any) -> None:
    vote, owners = owners_vote
    actor, principal, proxy, document = users["community"], owners[1], owners[2], "委托书 7"
    if case == "twice":
        _register(users, vote, principal, owners[3])
    elif case == "voted":
        ballot_cast(actor=users["resident"], vote=vote, choice="for")
        principal = users["resident"].person
    elif case == "self":
        proxy = principal
    elif case == "no document":
        document = "  "
    elif case == "closed":
        Vote.objects.filter(pk=vote.pk).update(status=VoteStatus.CLOSED)
    elif case == "grid worker elsewhere":
        actor = users["grid"]
    elif case == "resident":
        actor = users["resident"]
    if case == "grid worker elsewhere" and vote.place_path.startswith(_grid_path(users)):
        pytest.skip("the demo's grid worker covers this compound")
    with pytest.raises(error):
        proxy_register(actor=actor, vote=vote, voter=voter_of(vote, principal), proxy=proxy, document=document)
    assert ProxyRegistration.objects.count() == (1 if case == "twice" else 0)


def _grid_path(users: Any) -> str:
    from linli.places.models import Place

    return Place.objects.filter(kind="grid").order_by("path").first().path  # type: ignore[union-attr]


# --- pages --------------------------------------------------------------------------------------------


def test_staff_register_by_the_id_number_on_the_authorisation_and_the_proxy_votes_on_the_page(
    users: Any, owners_vote: Any, client_as: Any
) -> None:
    vote, owners = owners_vote
    staff = client_as("community")
    page = staff.get(f"/deliberation/votes/{vote.pk}/").content.decode()
    assert "代理委托登记" in page
    principal = voter_of(vote, owners[1])
    staff.post(
        f"/deliberation/votes/{vote.pk}/proxies/",
        {"voter_id": principal.pk, "proxy_id_number": users["resident"].person.id_number, "document": "委托书 12"},
    )
    assert ProxyRegistration.objects.get().proxy_id == users["resident"].person_id

    resident = client_as("resident")
    page = resident.get(f"/deliberation/votes/{vote.pk}/").content.decode()
    assert f'data-proxy-for="{principal.pk}"' in page and principal.label in page
    resident.post(f"/deliberation/votes/{vote.pk}/cast/", {"choice": "for", "for_voter_id": principal.pk})
    ballot = Ballot.objects.get(voter=principal)
    assert ballot.proxy_id == users["resident"].person_id and ballot.proxy_authorisation == "委托书 12"
    assert f'data-proxy-for="{principal.pk}"' not in resident.get(f"/deliberation/votes/{vote.pk}/").content.decode()


def test_a_mistyped_id_number_is_a_message_on_the_vote_page_and_registers_nothing(
    owners_vote: Any, client_as: Any
) -> None:
    vote, owners = owners_vote
    response = client_as("community").post(
        f"/deliberation/votes/{vote.pk}/proxies/",
        {"voter_id": voter_of(vote, owners[1]).pk, "proxy_id_number": "110101199003077777", "document": "委托书"},
        follow=True,
    )
    assert response.status_code == 200 and "身份证" in response.content.decode()
    assert not ProxyRegistration.objects.exists()


def test_a_registered_proxy_living_elsewhere_can_open_the_vote_and_nobody_else_there_can(
    users: Any, owners_vote: Any, places: Any, client: Any
) -> None:
    vote, owners = owners_vote
    away = Person.objects.filter(place_path__startswith=places.other_community.path).order_by("id").first()
    assert away is not None and not away.place_path.startswith(vote.place_path)
    child = User.objects.create_user(username="child-abroad", password="x", person=away)
    neighbour = Person.objects.filter(place_path__startswith=places.other_community.path).exclude(pk=away.pk).first()
    stranger = User.objects.create_user(username="stranger", password="x", person=neighbour)
    client.force_login(stranger)
    assert client.get(f"/deliberation/votes/{vote.pk}/").status_code == 404
    _register(users, vote, owners[1], away)
    client.force_login(child)
    assert client.get(f"/deliberation/votes/{vote.pk}/").status_code == 200
    client.post(
        f"/deliberation/votes/{vote.pk}/cast/", {"choice": "against", "for_voter_id": voter_of(vote, owners[1]).pk}
    )
    assert Ballot.objects.get(voter=voter_of(vote, owners[1])).proxy_id == away.pk
    client.force_login(stranger)
    assert client.get(f"/deliberation/votes/{vote.pk}/").status_code == 404


# --- API ----------------------------------------------------------------------------------------------


def test_the_api_registers_lists_and_withdraws_and_the_proxy_finds_their_duties(
    users: Any, owners_vote: Any, api_as: Any
) -> None:
    vote, owners = owners_vote
    staff, resident = api_as("community"), api_as("resident")
    base = f"/api/v1/deliberation/votes/{vote.pk}"
    principal = voter_of(vote, owners[1])
    created = staff.post(
        f"{base}/proxies",
        {"voter_id": principal.pk, "proxy_person_id": users["resident"].person_id, "document": "委托书 3"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["voter_label"] == principal.label
    assert resident.get(f"{base}/proxy-duties").json()["items"] == [
        {"voter_id": principal.pk, "voter_label": principal.label}
    ]
    assert resident.get(f"{base}/proxies").status_code == 403
    listed = staff.get(f"{base}/proxies").json()["items"]
    assert [(r["voter_id"], r["voted"]) for r in listed] == [(principal.pk, False)]
    both = staff.post(
        f"{base}/proxies",
        {"voter_id": principal.pk, "proxy_person_id": 1, "proxy_id_number": "x", "document": "委托书"},
        content_type="application/json",
    )
    assert both.status_code == 422 and both.json()["field"] == "proxy_person_id"
    assert staff.delete(f"{base}/proxies/{created.json()['id']}").status_code == 204
    assert staff.delete(f"{base}/proxies/{created.json()['id']}").status_code == 404
    assert resident.get(f"{base}/proxy-duties").json()["items"] == []


def test_the_registration_list_costs_the_same_queries_for_one_or_five(
    users: Any, owners_vote: Any, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    vote, owners = owners_vote
    staff = api_as("community")
    url = f"/api/v1/deliberation/votes/{vote.pk}/proxies"
    _register(users, vote, owners[1], owners[0])
    staff.get(url)
    with django_assert_max_num_queries(12) as one:
        staff.get(url)
    for principal, proxy in zip(owners[2:], [owners[0]] * 4, strict=False):
        if principal.pk != proxy.pk:
            _register(users, vote, principal, proxy)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(staff.get(url).json()["items"]) == 5


def test_a_closed_vote_is_not_a_place_to_register_or_withdraw(users: Any, owners_vote: Any) -> None:
    vote, owners = owners_vote
    registration = _register(users, vote, owners[1], owners[2])
    Vote.objects.filter(pk=vote.pk).update(closes_at=timezone.now())
    with pytest.raises(Conflict):
        proxy_withdraw(actor=users["community"], registration=registration)
    assert Voter.objects.filter(vote=vote).count() == 6
    vote.refresh_from_db()
    assert proxy_duties(User(person_id=owners[2].pk), vote) == []


def test_the_everything_we_hold_export_lists_registrations_naming_the_person(
    users: Any, owners_vote: Any, client_as: Any
) -> None:
    vote, owners = owners_vote
    _register(users, vote, owners[1], users["resident"].person, document="委托书 88")
    me = users["resident"].person
    response = client_as("community").post(f"/ledger/people/{me.pk}/everything", {"reason": "本人依法申请查阅"})
    assert response.json()["vote_proxies"] == [
        {
            "vote": vote.title,
            "role": "proxy",
            "voter": voter_of(vote, owners[1]).label,
            "document": "委托书 88",
            "registered_at": ProxyRegistration.objects.get().registered_at.isoformat(),
        }
    ]
    principal = client_as("community").post(f"/ledger/people/{owners[1].pk}/everything", {"reason": "本人依法申请查阅"})
    assert [r["role"] for r in principal.json()["vote_proxies"]] == ["voter"]
