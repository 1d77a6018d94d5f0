"""街道“大工委” and 社区“大党委” (seed 003: 成立街道“大工委”、4个社区“大党委”…吸收40名驻区单位党组织负责人担任兼职委员):
a partner unit sits on its street's 大工委 and/or one community's 大党委; both lists and their counts on
/co-building/partners/ and in the API; who may record a membership."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.cobuilding import selectors as sel
from linli.cobuilding import services_partners as sp
from linli.cobuilding.models import PartnerProfile
from linli.core.errors import Forbidden, InvalidInput
from linli.orgs.models import Organisation, OrganisationKind
from linli.places.models import Place
from tests.venues_support import staff_of

pytestmark = pytest.mark.django_db
API = "/api/v1/co-building"
JSON = "application/json"


def unit(place: Place, name: str) -> Organisation:
    return Organisation.objects.create(kind=OrganisationKind.PARTNER_UNIT, name=name, home=place, place_path=place.path)


def join(actor: Any, org: Organisation, **values: Any) -> PartnerProfile:
    values = {"big_committee": True, "street_big_committee": False, "party_leader_name": "", **values}
    return sp.partner_profile_set(actor=actor, organisation=org, joined_on=timezone.localdate(), **values)


# ----------------------------------------------------------------------------- memberships


def test_a_street_unit_sits_on_the_street_committee_and_a_named_communitys_and_the_audit_says_so(users, places):
    org = unit(places.street, "区供电公司党委(测试)")
    profile = join(users["street"], org, street_big_committee=True, big_committee_community_id=places.communities[1].pk)
    assert (profile.street_big_committee, profile.big_committee, profile.big_committee_community_id) == (
        True, True, places.communities[1].pk,
    )  # fmt: skip
    detail = AuditEvent.objects.get(action="cobuilding.partner_profile_set", target_id=str(org.pk)).detail
    assert detail == {"big": True, "community": places.communities[1].pk, "street_big": True}


def test_a_street_unit_joining_a_big_committee_without_naming_the_community_is_refused_on_that_field(users, places):
    org = unit(places.street, "区税务局党支部(测试)")
    with pytest.raises(InvalidInput) as refused:
        join(users["street"], org)
    assert refused.value.field == "big_committee_community_id" and "哪个社区" in refused.value.message
    assert not PartnerProfile.objects.filter(organisation=org).exists()


def test_a_unit_in_a_community_joins_its_own_communitys_big_committee_and_no_other(users, places):
    org = unit(places.compounds[0], "小区超市党支部")
    assert join(users["community"], org).big_committee_community_id == places.communities[0].pk
    with pytest.raises(InvalidInput) as refused:
        join(users["street"], org, big_committee_community_id=places.other_community.pk)
    assert refused.value.field == "big_committee_community_id"
    with pytest.raises(InvalidInput) as not_a_community:
        join(users["street"], org, big_committee_community_id=places.compounds[0].pk)
    assert not_a_community.value.field == "big_committee_community_id"
    assert PartnerProfile.objects.get(organisation=org).big_committee_community_id == places.communities[0].pk


def test_a_unit_may_sit_on_the_street_committee_only_and_leaving_the_big_committee_clears_its_community(users, places):
    org = unit(places.communities[0], "社区医院党支部")
    join(users["community"], org, street_big_committee=True)
    profile = join(users["community"], org, big_committee=False, street_big_committee=True)
    assert (profile.big_committee, profile.big_committee_community_id, profile.street_big_committee) == (
        False, None, True,
    )  # fmt: skip


def test_a_district_unit_cannot_sit_on_a_street_committee(users, places):
    district = Place.objects.get(depth=1)
    org = unit(district, "区人社局党组(测试)")
    with pytest.raises(InvalidInput) as refused:
        join(users["admin"], org, big_committee=False, street_big_committee=True)
    assert refused.value.field == "street_big_committee"


def test_a_grid_worker_cannot_record_a_membership_by_service_page_or_api(users, places, client_as, api_as):
    org = unit(places.first_grid, "网格内的商铺党小组")
    with pytest.raises(Forbidden):
        join(users["grid"], org)
    street_unit = unit(places.street, "街道共建单位(测试)")
    url = reverse("cobuilding:partner_profile", args=[street_unit.pk])
    body = {"big_committee": "1", "joined_on": "2026-01-01", "big_committee_community_id": places.communities[0].pk}
    assert client_as("grid").post(url, body).status_code == 404
    api_body = {"big_committee": True, "street_big_committee": True, "joined_on": "2026-01-01"}
    answer = api_as("grid").put(f"{API}/partners/{street_unit.pk}/profile", json.dumps(api_body), content_type=JSON)
    assert answer.status_code == 404
    assert not PartnerProfile.objects.filter(organisation__in=[org, street_unit]).exists()


def test_another_communitys_worker_cannot_record_a_membership(users, places, client_as, api_as):
    org = unit(places.communities[0], "社区银行党支部")
    neighbour = staff_of(places.other_community, "binhu-staff")
    with pytest.raises(Forbidden):
        join(neighbour, org)
    client = client_as("community")
    client.force_login(neighbour)
    url = reverse("cobuilding:partner_profile", args=[org.pk])
    assert client.post(url, {"big_committee": "1", "joined_on": "2026-01-01"}).status_code == 404
    assert not PartnerProfile.objects.filter(organisation=org).exists()


# ----------------------------------------------------------------------------- lists and counts


def test_the_partners_page_lists_both_committees_and_counts_them(users, places, client_as):
    first, second = places.communities[0], places.other_community
    a = unit(places.street, "甲单位")
    b = unit(places.street, "乙单位")
    c = unit(second, "丙单位")
    join(users["street"], a, street_big_committee=True, big_committee_community_id=first.pk, party_leader_name="王")
    join(users["street"], b, street_big_committee=True, big_committee=False)
    join(users["street"], c, party_leader_name="李书记")
    rosters = sel.committee_rosters(users["street"])
    assert [(x.place.name, sorted(p.organisation.name for p in x.members)) for x in rosters.streets] == [
        (places.street.name, sorted(["甲单位", "乙单位"])),
    ]
    assert [(x.place.pk, [p.organisation.name for p in x.members]) for x in rosters.communities] == [
        (first.pk, ["甲单位"]), (second.pk, ["丙单位"]),
    ]  # fmt: skip
    page = client_as("street").get(reverse("cobuilding:partners")).content.decode()
    assert "街道大工委 1 个,成员单位 2 个;社区大党委 2 个,成员单位 2 个;兼职委员 2 名" in page
    assert 'data-committee="street"' in page and f'data-committee="community" data-place="{second.pk}"' in page


def test_a_community_worker_sees_their_communitys_big_committee_with_the_street_units_on_it_and_no_other(
    users, places, client_as, api_as
):
    first, second = places.communities[0], places.other_community
    join(users["street"], unit(places.street, "街道单位甲"), big_committee_community_id=first.pk)
    join(users["street"], unit(places.street, "街道单位乙"), big_committee_community_id=second.pk)
    join(users["street"], unit(second, "滨湖单位"))
    rosters = sel.committee_rosters(users["community"])
    assert [(x.place.pk, [p.organisation.name for p in x.members]) for x in rosters.communities] == [
        (first.pk, ["街道单位甲"]),
    ]
    page = client_as("community").get(reverse("cobuilding:partners")).content.decode()
    assert "街道单位甲" in page and "街道单位乙" not in page and "滨湖单位" not in page
    answer = api_as("community").get(f"{API}/partners/committees").json()
    assert [c["place_id"] for c in answer["communities"]] == [first.pk] and answer["community_committees"] == 1
    assert client_as("resident").get(reverse("cobuilding:partners")).status_code == 200
    assert sel.committee_rosters(users["resident"]).communities == []


def test_the_api_records_a_membership_and_reads_both_committees(users, places, api_as):
    org = unit(places.street, "区人民医院党委(测试)")
    api = api_as("street")
    url = f"{API}/partners/{org.pk}/profile"
    body = {"street_big_committee": True, "big_committee": True, "joined_on": "2026-03-01", "party_leader_name": "赵"}
    refused = api.put(url, json.dumps(body), content_type=JSON)
    assert refused.status_code == 422 and refused.json()["field"] == "big_committee_community_id"
    body["big_committee_community_id"] = places.communities[0].pk
    saved = api.put(url, json.dumps(body), content_type=JSON)
    assert saved.status_code == 200, saved.content
    assert saved.json()["big_committee_community_id"] == places.communities[0].pk
    committees = api.get(f"{API}/partners/committees").json()
    assert committees["street_committees"] == 1 and committees["street_members"] >= 1
    assert org.pk in [m["organisation_id"] for c in committees["streets"] for m in c["members"]]
    assert committees["part_time_members"] >= 1
    practical = {r["organisation_id"]: r for r in api.get(f"{API}/partners/practical").json()}
    assert practical[org.pk]["street_big_committee"] is True
    assert practical[org.pk]["big_committee_community_id"] == places.communities[0].pk


def test_the_partners_page_reads_in_the_same_statements_for_two_members_and_twelve(users, places, client_as):
    client = client_as("street")

    def add(start: int, n: int) -> None:
        for i in range(start, start + n):
            community = places.communities[i % len(places.communities)]
            join(users["street"], unit(places.street, f"单位{i}"), street_big_committee=True,
                 big_committee_community_id=community.pk, party_leader_name=f"书记{i}")  # fmt: skip

    add(0, 2)
    client.get(reverse("cobuilding:partners"))
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("cobuilding:partners")).status_code == 200
    add(2, 10)
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse("cobuilding:partners")).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_upgrade_puts_a_community_units_membership_in_its_community_and_leaves_a_street_units_unnamed(
    users, places
):
    from django.apps import apps

    upgrade = importlib.import_module("linli.cobuilding.migrations.0004_partner_street_big_committee")
    inside = join(users["street"], unit(places.compounds[0], "小区里的单位"))
    at_street = join(
        users["street"], unit(places.street, "街道的单位"), big_committee_community_id=places.communities[0].pk
    )
    PartnerProfile.objects.filter(pk__in=[inside.pk, at_street.pk]).update(big_committee_community=None)
    upgrade.community_of_members(apps, None)
    inside.refresh_from_db()
    at_street.refresh_from_db()
    assert inside.big_committee_community_id == places.communities[0].pk
    assert at_street.big_committee_community_id is None and not at_street.street_big_committee
    assert [c.place for c in sel.committee_rosters(users["street"]).communities if not c.place] == [None]
