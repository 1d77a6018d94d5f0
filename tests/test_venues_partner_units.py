"""双向开放 counted by unit as well as by venue (seed 003: "县人社局、财政局、新媒体协会等48家驻社区单位、12家“两新”组织
活动场所实现双向开放" — the seed counts units): the units with at least one venue open to residents under the place now,
each once however many rooms it opens, beside the venue count, on the figures page and in its API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from linli.orgs.models import Organisation, OrganisationKind
from linli.places.models import Place
from linli.venues import selectors as sel
from linli.venues import services as vs
from linli.venues.models import VenueStatus
from tests.venues_support import fields_of, venue

pytestmark = pytest.mark.django_db


def _unit(kind: str, name: str, home: Place) -> Organisation:
    return Organisation.objects.create(kind=kind, name=name, home=home, place_path=home.path)


def _today() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return today, today


@pytest.fixture
def opened(users: Any, places: Any) -> dict[str, Any]:
    """Four units' venues: the 人社局 opens two halls in the first community (both count, the unit once); the 财政局
    one hall there that is suspended and one for internal use only (neither counts, so the unit does not); the
    新媒体协会 a room in a compound of the first community; the 税务局 a hall in the other community."""
    street, community, other = places.street, places.communities[0], places.other_community
    compound = next(c for c in places.compounds if c.path.startswith(community.path))
    actor = users["street"]
    hrss = _unit(OrganisationKind.DEPARTMENT, "县人社局", street)
    finance = _unit(OrganisationKind.DEPARTMENT, "县财政局", street)
    media = _unit(OrganisationKind.SOCIAL_ORG, "县新媒体协会", community)
    tax = _unit(OrganisationKind.PARTNER_UNIT, "县税务局党支部", street)
    venue(actor, community, "人社局职工之家", organisation=hrss)
    venue(actor, community, "人社局会议室", organisation=hrss)
    shut = venue(actor, community, "财政局活动室", organisation=finance)
    vs.venue_update(actor=actor, venue=shut, fields=fields_of(shut), status=VenueStatus.SUSPENDED)
    venue(actor, community, "财政局内部会议室", organisation=finance, public=False)
    venue(actor, compound, "新媒体协会直播间", organisation=media)
    venue(actor, other, "税务局职工书屋", organisation=tax)
    venue(actor, community, "社区党群服务中心")  # the community's own: not opened by a unit
    return {"hrss": hrss, "finance": finance, "media": media, "tax": tax}


def test_a_unit_opening_two_halls_counts_once_and_one_with_nothing_open_not_at_all(
    users: Any, places: Any, opened: dict[str, Any]
) -> None:
    f = sel.figures(users["community"], places.communities[0], *_today())
    # 开放场地: the two 人社局 halls, the 协会's room and the community's own centre (the 财政局's two do not count)
    assert (f.venues_open, f.partner_open, f.partner_units) == (4, 3, 2)
    assert [(k.kind, k.label, k.units, k.venues) for k in f.partner_units_by_kind] == [
        ("social_org", "社会组织", 1, 1),
        ("department", "职能部门", 1, 2),
    ]


def test_the_street_counts_the_units_of_every_community_under_it(
    users: Any, places: Any, opened: dict[str, Any]
) -> None:
    f = sel.figures(users["street"], places.street, *_today())
    assert (f.partner_open, f.partner_units) == (4, 3)  # + the 税务局's hall in the other community
    by_kind = {k.kind: (k.units, k.venues) for k in f.partner_units_by_kind}
    assert by_kind == {"partner_unit": (1, 1), "social_org": (1, 1), "department": (1, 2)}


def test_a_unit_whose_only_open_hall_is_suspended_drops_out(users: Any, places: Any, opened: dict[str, Any]) -> None:
    from linli.venues.models import Venue

    room = Venue.objects.get(name="新媒体协会直播间")
    vs.venue_update(actor=users["street"], venue=room, fields=fields_of(room), status=VenueStatus.SUSPENDED)
    f = sel.figures(users["community"], places.communities[0], *_today())
    assert (f.partner_open, f.partner_units) == (2, 1)
    assert [k.kind for k in f.partner_units_by_kind] == ["department"]


def test_the_unit_count_adds_no_statement(
    users: Any, places: Any, opened: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    community = places.communities[0]
    sel.figures(users["community"], community, *_today())
    with django_assert_max_num_queries(8) as few:
        sel.figures(users["community"], community, *_today())
    for n in range(6):
        unit = _unit(OrganisationKind.SOCIAL_ORG, f"社会组织{n}", community)
        venue(users["street"], community, f"社会组织{n}活动室", organisation=unit)
    with django_assert_max_num_queries(len(few.captured_queries)):
        f = sel.figures(users["community"], community, *_today())
    assert f.partner_units == 2 + 6


def test_the_figures_page_shows_the_units_beside_the_venues(
    client_as: Any, places: Any, opened: dict[str, Any]
) -> None:
    page = client_as("community").get("/venues/", {"place": places.communities[0].pk})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-figure="partner_units"><b>2</b><span>双向开放单位(家)' in text
    assert 'data-figure="partner_open"><b>3</b>' in text
    assert 'data-owner-kind="department">职能部门 1 家(2 处场所)' in text


def test_the_api_gives_the_units_and_their_kinds(api_as: Any, places: Any, opened: dict[str, Any]) -> None:
    body = api_as("street").get("/api/v1/venues/figures", {"place_id": places.street.pk}).json()
    assert (body["partner_open"], body["partner_units"]) == (4, 3)
    assert body["partner_units_by_kind"] == [
        {"kind": "partner_unit", "label": "共建单位", "units": 1, "venues": 1},
        {"kind": "social_org", "label": "社会组织", "units": 1, "venues": 1},
        {"kind": "department", "label": "职能部门", "units": 1, "venues": 2},
    ]


def test_a_grid_worker_gets_no_unit_figures(api_as: Any, client_as: Any, places: Any, opened: dict[str, Any]) -> None:
    community = places.communities[0]
    assert api_as("grid").get("/api/v1/venues/figures", {"place_id": community.pk}).status_code == 404
    page = client_as("grid").get("/venues/", {"place": community.pk}).content.decode()
    assert 'data-figure="partner_units"' not in page
