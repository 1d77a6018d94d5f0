"""The household view lists the requests (诉求) its members sent about their unit or building in
the last 90 days — scoped like every request list, anonymous ones left out."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from linli.people.models import Person
from linli.people.selectors import household_detail
from linli.places.models import Place
from linli.tickets.models import Ticket

pytestmark = pytest.mark.django_db
numbers = itertools.count(1)


def ticket(*, by, place, days_ago=1, anonymous=False, title="楼道灯不亮"):
    return Ticket.objects.create(
        number=f"HH{next(numbers):06d}",
        title=title,
        description="请尽快处理",
        place=place,
        place_path=place.path,
        submitted_by=by,
        submitted_at=timezone.now() - dt.timedelta(days=days_ago),
        anonymous=anonymous,
    )


@pytest.fixture
def home(users):
    """The resident account's household, its unit and building, and another building."""
    member = Person.objects.select_related("household__place").get(pk=users["resident"].person_id)
    household = member.household
    assert household is not None and household.place.kind == "unit"
    building = Place.objects.get(path=household.place_path[: -Place.steplen])
    elsewhere = Place.objects.filter(kind="building").exclude(pk=building.pk).order_by("path").first()
    return household, building, elsewhere


def test_members_requests_about_the_unit_or_building_in_the_last_90_days_are_listed(users, home):
    household, building, elsewhere = home
    resident = users["resident"]
    shown = [
        ticket(by=resident, place=household.place, days_ago=3, title="单元门坏了"),
        ticket(by=resident, place=building, days_ago=89, title="楼顶漏水"),
    ]
    ticket(by=resident, place=elsewhere, title="别的楼的事")
    ticket(by=resident, place=household.place, days_ago=91, title="太久以前")
    ticket(by=resident, place=household.place, anonymous=True, title="匿名反映")
    ticket(by=users["grid"], place=household.place, title="网格员代报")  # not a member of the household
    detail = household_detail(users["grid"], household)
    assert [t.pk for t in detail.requests] == [shown[0].pk, shown[1].pk]
    assert {t.member.pk for t in detail.requests} == {resident.person_id}


def test_the_household_page_shows_the_requests_with_a_fixed_number_of_queries(
    users, client_as, home, django_assert_max_num_queries
):
    household, building, _ = home
    for n in range(5):
        ticket(by=users["resident"], place=building, days_ago=n + 1, title=f"诉求{n}")
    client = client_as("grid")
    with django_assert_max_num_queries(17):  # 14 for the ledger + 3 for the visit history
        response = client.get(f"/ledger/households/{household.pk}/")
    page = response.content.decode()
    assert response.status_code == 200 and page.count("data-ticket=") == 5 and "诉求4" in page


def test_requests_are_listed_only_to_viewers_who_may_see_them_and_the_members(users, home):
    household, _, _ = home
    ticket(by=users["resident"], place=household.place, title="只给工作人员看")
    assert [t.title for t in household_detail(users["community"], household).requests] == ["只给工作人员看"]
    volunteer_view = household_detail(users["volunteer"], household)
    assert volunteer_view.members == [] and volunteer_view.requests == []


def test_a_household_without_requests_says_so(client_as, home):
    household, _, _ = home
    page = client_as("community").get(f"/ledger/households/{household.pk}/").content.decode()
    assert "近90天本户成员没有就本楼栋提交诉求" in page
