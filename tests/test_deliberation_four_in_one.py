"""“四位一体” (seed 001: 推行社区居委会、业主委员会、物业公司、法律顾问“四位一体”社区治理联动议事决策机制):
a community's 法律顾问 over a term, which of the four parties came to a 四位一体联席会议, and per community the
meetings held and those with all four present — counted by hand, inside the viewer's scope, in three statements."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.deliberation.models import MeetingPartyPresence
from linli.deliberation.selectors_four_in_one import four_in_one_figures, meeting_parties, visible_advisers
from linli.deliberation.services_four_in_one import (
    adviser_appoint,
    adviser_end,
    party_present_record,
    party_present_remove,
)
from linli.deliberation.services_meetings import meeting_plan, meeting_record_minutes
from linli.orgs.models import Organisation

pytestmark = pytest.mark.django_db
BASE = "/api/v1/deliberation"
JSON = "application/json"
TODAY = timezone.localdate()
START = TODAY - dt.timedelta(days=60)


def org(kind: str, place: Any, name: str) -> Organisation:
    return Organisation.objects.create(kind=kind, name=name, home=place, place_path=place.path)


@pytest.fixture
def parties(places: Any) -> dict[str, Organisation]:
    community, compound = places.communities[0], places.compounds[0]
    return {
        "residents_committee": org("residents_committee", community, "一社区居委会"),
        "owners_committee": org("owners_committee", compound, "一小区业委会"),
        "property_company": org("property_company", compound, "一小区物业"),
    }


@pytest.fixture
def adviser(users: Any, places: Any) -> Any:
    return adviser_appoint(
        actor=users["community"], community=places.communities[0], kind="person", name="王律师", firm="某某律师事务所",
        phone="0551-61234567", starts_on=START,
    )  # fmt: skip


def joint(users: Any, place: Any, *, days_ago: int = 10, held: bool = True, kind: str = "four_in_one") -> Any:
    m = meeting_plan(
        actor=users["community"], place=place, kind=kind, title="四位一体联席会议", location="社区议事厅",
        starts_at=timezone.now() - dt.timedelta(days=days_ago),
    )  # fmt: skip
    if held:
        meeting_record_minutes(actor=users["community"], meeting=m, minutes="纪要")
    return m


def all_four(users: Any, m: Any, parties: dict[str, Organisation], adviser: Any) -> None:
    for party, o in parties.items():
        party_present_record(actor=users["community"], meeting=m, party=party, attendee="张三", organisation_id=o.pk)
    party_present_record(actor=users["community"], meeting=m, party="legal_adviser", attendee="王律师",
                         adviser_id=adviser.pk)  # fmt: skip


def test_meetings_held_and_those_with_all_four_present_are_counted_per_community(users, places, parties, adviser):
    community, compound = places.communities[0], places.compounds[0]
    full = joint(users, community)
    all_four(users, full, parties, adviser)
    at_compound = joint(users, compound)  # held at a compound of the community: counts for the community
    all_four(users, at_compound, parties, adviser)
    three = joint(users, community)  # the adviser did not come: held, not all four
    for party, o in parties.items():
        party_present_record(
            actor=users["community"], meeting=three, party=party, attendee="李四", organisation_id=o.pk
        )
    planned = joint(users, community, held=False)  # not held: must NOT count
    all_four(users, planned, parties, adviser)
    joint(users, community, days_ago=120)  # held before the period: must NOT count
    joint(users, community, kind="joint")  # an ordinary 联席会议: must NOT count

    f = four_in_one_figures(users["community"], node=community, start=START, end=TODAY)

    row = f.communities[0]
    assert (row.held, row.all_four, row.advisers) == (3, 2, ["王律师"])
    assert row.all_four_rate == round(200 / 3, 1)
    assert (f.total.held, f.total.all_four, f.communities_with_adviser) == (3, 2, 1)


def test_street_figures_list_every_community_and_the_adviser_ended_before_the_period_end_is_not_in_force(
    users, places, adviser
):
    adviser_end(actor=users["community"], adviser=adviser, ends_on=TODAY - dt.timedelta(days=1))
    f = four_in_one_figures(users["street"], node=places.street, start=START, end=TODAY)
    assert [c.community_id for c in f.communities] == [c.pk for c in places.communities]
    assert f.communities[0].advisers == [] and f.communities_with_adviser == 0
    earlier = four_in_one_figures(users["street"], node=places.street, start=START, end=TODAY - dt.timedelta(days=2))
    assert earlier.communities[0].advisers == ["王律师"]


def test_the_figures_are_three_statements_however_many_meetings(
    users, places, parties, adviser, django_assert_num_queries
):
    for _ in range(3):
        all_four(users, joint(users, places.communities[0]), parties, adviser)
    four_in_one_figures(users["street"], node=places.street, start=START, end=TODAY)  # warms the position cache
    with django_assert_num_queries(3):
        four_in_one_figures(users["street"], node=places.street, start=START, end=TODAY)


def test_a_grid_worker_cannot_read_another_communitys_figures_nor_record_a_party(users, places, parties, adviser):
    with pytest.raises(NotFound):
        four_in_one_figures(users["grid"], node=places.other_community, start=START, end=TODAY)
    m = joint(users, places.communities[0])
    with pytest.raises(Forbidden):
        party_present_record(actor=users["grid"], meeting=m, party="residents_committee", attendee="x",
                             organisation_id=parties["residents_committee"].pk)  # fmt: skip
    with pytest.raises(Forbidden):
        adviser_appoint(actor=users["grid"], community=places.communities[0], kind="firm", name="所", starts_on=TODAY)


def test_a_party_is_recorded_once_with_the_right_kind_of_organisation_and_an_adviser_in_force(
    users, places, parties, adviser
):
    m = joint(users, places.communities[0])
    with pytest.raises(InvalidInput) as wrong_kind:  # a property company is not the owners' committee
        party_present_record(actor=users["community"], meeting=m, party="owners_committee", attendee="x",
                             organisation_id=parties["property_company"].pk)  # fmt: skip
    assert wrong_kind.value.field == "organisation_id"
    with pytest.raises(InvalidInput) as bad_party:
        party_present_record(actor=users["community"], meeting=m, party="police", attendee="x")
    assert bad_party.value.field == "party"
    with pytest.raises(InvalidInput) as no_name:
        party_present_record(actor=users["community"], meeting=m, party="residents_committee", attendee=" ",
                             organisation_id=parties["residents_committee"].pk)  # fmt: skip
    assert no_name.value.field == "attendee"
    elsewhere = org("property_company", places.other_community, "别处物业")
    with pytest.raises(InvalidInput):
        party_present_record(actor=users["community"], meeting=m, party="property_company", attendee="x",
                             organisation_id=elsewhere.pk)  # fmt: skip
    late = adviser_appoint(actor=users["community"], community=places.communities[0], kind="firm", name="新律所",
                           starts_on=TODAY)  # fmt: skip
    with pytest.raises(InvalidInput) as not_yet:  # engaged after the meeting's day
        party_present_record(actor=users["community"], meeting=m, party="legal_adviser", attendee="x",
                             adviser_id=late.pk)  # fmt: skip
    assert not_yet.value.field == "adviser_id"
    party_present_record(actor=users["community"], meeting=m, party="legal_adviser", attendee="王律师",
                         adviser_id=adviser.pk)  # fmt: skip
    with pytest.raises(Conflict):
        party_present_record(actor=users["community"], meeting=m, party="legal_adviser", attendee="王律师",
                             adviser_id=adviser.pk)  # fmt: skip
    party_present_remove(actor=users["community"], meeting=m, party="legal_adviser")
    assert not MeetingPartyPresence.objects.filter(meeting=m).exists()
    actions = set(AuditEvent.objects.filter(target_id=str(m.pk)).values_list("action", flat=True))
    assert {"meeting.party_recorded", "meeting.party_removed"} <= actions
    ordinary = joint(users, places.communities[0], kind="joint")
    with pytest.raises(Conflict):
        party_present_record(actor=users["community"], meeting=ordinary, party="legal_adviser", attendee="x",
                             adviser_id=adviser.pk)  # fmt: skip


def test_an_adviser_needs_a_community_a_kind_and_a_term_that_ends_after_it_starts(users, places):
    community = places.communities[0]
    for kwargs, field in [
        ({"community": places.compounds[0]}, "community_id"),
        ({"kind": "judge"}, "kind"),
        ({"starts_on": None}, "starts_on"),
        ({"ends_on": START - dt.timedelta(days=1)}, "ends_on"),
        ({"phone": "abc"}, "phone"),
        ({"name": ""}, "name"),
    ]:
        values = {"community": community, "kind": "person", "name": "律师", "starts_on": START, **kwargs}
        with pytest.raises(InvalidInput) as refused:
            adviser_appoint(actor=users["community"], **values)
        assert refused.value.field == field, kwargs


def test_residents_see_their_communitys_adviser_and_not_another(users, places, adviser):
    other = adviser_appoint(actor=users["street"], community=places.other_community, kind="firm", name="别处律所",
                            starts_on=START)  # fmt: skip
    seen = set(visible_advisers(users["resident"]).values_list("pk", flat=True))
    assert adviser.pk in seen and other.pk not in seen
    assert other.pk not in set(visible_advisers(users["grid"]).values_list("pk", flat=True))


def test_a_four_in_one_meeting_is_held_at_a_community_or_compound(users, places):
    with pytest.raises(InvalidInput) as refused:
        joint(users, places.first_grid)
    assert refused.value.field == "place_id"


def test_the_meeting_page_records_parties_and_the_four_in_one_page_shows_figures_and_advisers(
    users, places, parties, adviser, client_as
):
    m = joint(users, places.communities[0])
    client = client_as("community")
    page = client.get(f"/deliberation/meetings/{m.pk}/").content.decode()
    assert 'id="four-parties"' in page and 'id="party-form"' in page and "王律师" in page
    client.post(f"/deliberation/meetings/{m.pk}/party/", {"party": "residents_committee", "attendee": "张主任",
                "organisation_id": parties["residents_committee"].pk})  # fmt: skip
    assert [r.party for r in meeting_parties(m) if r.presence] == ["residents_committee"]
    client.post(f"/deliberation/meetings/{m.pk}/party-remove/", {"party": "residents_committee"})
    assert not [r for r in meeting_parties(m) if r.presence]
    figures = client.get("/deliberation/four-in-one/").content.decode()
    assert 'id="four-in-one-communities"' in figures and "王律师" in figures and 'id="adviser-new"' in figures
    appoint = {"action": "appoint", "community_id": places.communities[0].pk, "kind": "firm", "name": "新聘律所"}
    client.post("/deliberation/four-in-one/", {**appoint, "starts_on": TODAY.isoformat(), "idempotency_key": "k1"})
    appoint = {"action": "appoint", "community_id": places.communities[0].pk, "kind": "firm", "name": "新聘律所"}
    client.post("/deliberation/four-in-one/", {**appoint, "starts_on": TODAY.isoformat(), "idempotency_key": "k1"})
    assert visible_advisers(users["community"]).filter(name="新聘律所").count() == 1
    client.post("/deliberation/four-in-one/", {"action": "end", "adviser_id": adviser.pk,
                "ends_on": TODAY.isoformat()})  # fmt: skip
    adviser.refresh_from_db()
    assert adviser.ends_on == TODAY
    assert client_as("resident").get("/deliberation/four-in-one/").status_code == 404


def test_the_api_records_advisers_and_parties_and_answers_the_figures(users, places, parties, api_as):
    client = api_as("community")
    made = client.post(f"{BASE}/legal-advisers", {"community_id": places.communities[0].pk, "kind": "person",
                       "name": "赵律师", "starts_on": START.isoformat()}, content_type=JSON)  # fmt: skip
    assert made.status_code == 201
    adviser_id = made.json()["id"]
    bad = client.post(f"{BASE}/legal-advisers", {"community_id": places.communities[0].pk, "kind": "judge",
                      "name": "x", "starts_on": START.isoformat()}, content_type=JSON)  # fmt: skip
    assert bad.status_code == 422 and bad.json()["field"] == "kind"
    m = joint(users, places.communities[0])
    url = f"{BASE}/meetings/{m.pk}/parties"
    for party, o in parties.items():
        r = client.post(url, {"party": party, "attendee": "到会人", "organisation_id": o.pk}, content_type=JSON)
        assert r.status_code == 201, r.content
    r = client.post(url, {"party": "legal_adviser", "attendee": "赵律师", "adviser_id": adviser_id}, content_type=JSON)
    assert r.status_code == 201
    assert all(p["present"] for p in client.get(url).json())
    q = f"node={places.communities[0].pk}&start={START.isoformat()}&end={TODAY.isoformat()}"
    body = client.get(f"{BASE}/four-in-one?{q}").json()
    assert body["total"]["held"] == 1 and body["total"]["all_four"] == 1
    assert api_as("grid").get(f"{BASE}/four-in-one?node={places.other_community.pk}&start={START.isoformat()}"
                              f"&end={TODAY.isoformat()}").status_code == 404  # fmt: skip
    assert client.delete(f"{url}/legal_adviser").status_code == 204
    assert client.delete(f"{url}/legal_adviser").status_code == 404
    ended = client.post(f"{BASE}/legal-advisers/{adviser_id}/end", {"ends_on": TODAY.isoformat()}, content_type=JSON)
    assert ended.status_code == 200 and ended.json()["ends_on"] == TODAY.isoformat()
