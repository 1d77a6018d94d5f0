"""双报到积分管理办法 and the year-end 报到考评 (seed 003: 出台“双报到”积分管理办法): a district, street or
community sets what party members earn and the year's target; the nearest rule above a node is in force;
awards follow it; the assessment counts each reported member's year against it, in four statements."""

from __future__ import annotations

import datetime as dt
import importlib
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from linli.audit.models import AuditEvent
from linli.core.errors import Forbidden, InvalidInput, NotFound
from linli.people.models import Person
from linli.volunteering import activities as act
from linli.volunteering import wishes as w
from linli.volunteering.models import (
    PartyPointRule,
    PointAccount,
    PointEntry,
    RegistrationStatus,
    WorkplaceRegistration,
)
from linli.volunteering.points import points_credit
from linli.volunteering.selectors_reporting import (
    DEFAULT_RULE,
    assessment_members,
    assessment_place,
    assessment_year,
    party_rule_at,
    reporting_assessment,
    rule_place,
)
from linli.volunteering.services_reporting import party_point_rule_clear, party_point_rule_set
from tests.covenant_support import held

pytestmark = pytest.mark.django_db

RULE = {
    "title": "烟墩街道“双报到”积分管理办法", "points_per_activity": 3, "points_per_order": 4, "points_per_wish": 5,
    "annual_points": 6, "annual_services": 2,
}  # fmt: skip


def set_rule(actor: Any, place: Any, **changes: Any) -> PartyPointRule:
    return party_point_rule_set(actor=actor, place=place, **{**RULE, **changes})


def reported(community: Any, n: int) -> list[WorkplaceRegistration]:
    """``n`` party members living in ``community`` (without accounts), their 双报到 approved there."""
    people = list(
        Person.objects.filter(
            place_path__startswith=community.path, user__isnull=True, workplace_registrations=None
        ).order_by("pk")[:n]
    )
    Person.objects.filter(pk__in=[p.pk for p in people]).update(is_party_member=True)
    for p in people:
        p.is_party_member = True
    return [
        WorkplaceRegistration.objects.create(
            person=p,
            community=community,
            place_path=community.path,
            workplace_name=f"单位{i}党支部",
            status=RegistrationStatus.APPROVED,
        )
        for i, p in enumerate(people)
    ]


def serve(person: Person, place: Any, *, on: dt.date, hours: str = "2.0") -> None:
    activity = held(None, place, on=on, hours=hours, people=0)
    start = activity.starts_at
    activity.signups.create(
        person=person, place_path=place.path, status="signed", checked_in_at=start, hours=Decimal(hours),
        confirmed_at=start,
    )  # fmt: skip


def party_points(person: Person, amount: int, key: str, *, reason: str = "hours") -> None:
    points_credit(person=person, kind="party", amount=amount, reason=reason, source_key=key)


def this_year() -> int:
    return timezone.localdate().year


def jan(day: int = 2, year: int | None = None) -> dt.date:
    return dt.date(year or this_year(), 1, day)


# ----------------------------------------------------------------------------- the rule in force


def test_without_a_rule_the_default_is_in_force_and_sets_no_target(places):
    rule = party_rule_at(places.first_grid.path)
    assert rule == DEFAULT_RULE and rule.set_at is None and not rule.has_target


def test_a_street_rule_is_in_force_below_it_and_a_community_rule_overrides_it_there(users, places):
    set_rule(users["street"], places.street)
    set_rule(users["community"], places.communities[0], points_per_activity=1, title="")
    here, there = party_rule_at(places.communities[0].path), party_rule_at(places.other_community.path)
    assert (here.points_per_activity, here.set_at) == (1, places.communities[0])
    assert (there.points_per_activity, there.set_at, there.title) == (3, places.street, RULE["title"])
    assert party_rule_at(places.first_grid.path).set_at == places.communities[0]


def test_clearing_a_rule_puts_the_rule_above_back_in_force(users, places):
    set_rule(users["street"], places.street)
    set_rule(users["community"], places.communities[0], annual_points=100)
    assert party_point_rule_clear(actor=users["community"], place=places.communities[0]) is True
    assert party_rule_at(places.communities[0].path).set_at == places.street
    assert party_point_rule_clear(actor=users["community"], place=places.communities[0]) is False
    event = AuditEvent.objects.filter(action="party_point_rule.clear").latest("id")
    assert event.detail["before"]["annual_points"] == 100


# ----------------------------------------------------------------------------- a version a year


def test_a_past_year_is_judged_by_that_years_rule_and_a_new_version_does_not_rejudge_it(users, places):
    community = places.communities[0]
    last = this_year() - 1
    set_rule(users["street"], places.street, year=last, annual_points=0, annual_services=1)
    set_rule(users["street"], places.street, annual_points=0, annual_services=5)
    (reg,) = reported(community, 1)
    for day in (2, 3):
        serve(reg.person, community, on=jan(day, year=last))
        serve(reg.person, community, on=jan(day))
    before = reporting_assessment(places.street, year=last).total
    now = reporting_assessment(places.street, year=this_year()).total
    assert before is not None and now is not None
    assert (before.rule.annual_services, before.rule.since, before.met) == (1, last, 1)
    assert (now.rule.annual_services, now.rule.since, now.met) == (5, this_year(), 0)
    set_rule(users["street"], places.street, annual_services=1)  # this year's version changes; last year's not
    assert party_rule_at(places.street.path, year=last).annual_services == 1
    assert PartyPointRule.objects.filter(place=places.street).count() == 2


def test_a_version_carries_on_into_later_years_until_the_next_one(users, places):
    set_rule(users["street"], places.street, year=this_year() - 3, points_per_activity=7)
    assert party_rule_at(places.street.path).points_per_activity == 7
    assert party_rule_at(places.street.path, year=this_year() - 4) == DEFAULT_RULE


def test_next_years_version_is_in_force_only_from_next_year_and_awards_read_this_years(users, places):
    set_rule(users["street"], places.street, points_per_activity=3)
    set_rule(users["street"], places.street, year=this_year() + 1, points_per_activity=9)
    assert party_rule_at(places.street.path).points_per_activity == 3
    assert party_rule_at(places.street.path, year=this_year() + 1).points_per_activity == 9
    confirmed_activity(users, places)
    assert party_balance(users["volunteer"]) == 3


def test_withdrawing_from_a_year_puts_the_rule_above_in_force_from_then_and_keeps_earlier_years(users, places):
    community = places.communities[0]
    last = this_year() - 1
    set_rule(users["street"], places.street, year=last)
    set_rule(users["community"], community, year=last, points_per_activity=1)
    assert party_point_rule_clear(actor=users["community"], place=community) is True
    assert party_rule_at(community.path).set_at == places.street
    assert party_rule_at(community.path, year=last).points_per_activity == 1
    withdrawal = PartyPointRule.objects.get(place=community, year=this_year())
    assert withdrawal.withdrawn
    assert party_point_rule_clear(actor=users["community"], place=community) is False
    set_rule(users["community"], community, points_per_activity=2)  # set again: the withdrawal is lifted
    assert party_rule_at(community.path).points_per_activity == 2
    assert not PartyPointRule.objects.get(pk=withdrawal.pk).withdrawn
    event = AuditEvent.objects.filter(action="party_point_rule.set").latest("id")
    assert event.detail["before"]["withdrawn"] is True and event.detail["year"] == this_year()


@pytest.mark.parametrize("value", ["2014", "二〇二六", str(timezone.localdate().year + 2)])
def test_a_rule_for_a_year_outside_2015_to_next_year_is_refused_naming_year(users, places, value):
    with pytest.raises(InvalidInput) as exc:
        set_rule(users["street"], places.street, year=value)
    assert exc.value.field == "year"
    assert not PartyPointRule.objects.exists()


def test_the_migration_dates_a_rule_set_before_versions_by_the_year_it_was_last_saved(users, places):
    from django.apps import apps

    migration = importlib.import_module("linli.volunteering.migrations.0007_party_point_rule_versions")
    rule = set_rule(users["street"], places.street)
    PartyPointRule.objects.filter(pk=rule.pk).update(year=0, updated_at=timezone.now() - dt.timedelta(days=800))
    migration.year_of_last_save(apps, None)
    rule.refresh_from_db()
    assert rule.year == timezone.localtime(rule.updated_at).year < this_year()


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("points_per_activity", 51, "每次活动积分应为 0 到 50 之间的整数"),
        ("points_per_order", -1, "每单积分应为 0 到 50 之间的整数"),
        ("annual_points", "二十", "年度积分目标应为 0 到"),
        ("annual_services", 101, "年度服务次数目标应为 0 到 100 之间的整数"),
        ("title", "办" * 101, "办法名称"),
    ],
)
def test_a_rule_out_of_bounds_is_refused_naming_the_field_and_the_rule_in_force_is_unchanged(
    users, places, field, value, words
):
    set_rule(users["street"], places.street)
    with pytest.raises(InvalidInput) as exc:
        set_rule(users["street"], places.street, **{field: value})
    assert exc.value.field == field and words in exc.value.message
    assert party_rule_at(places.street.path).values() == {k: v for k, v in RULE.items() if k != "title"}


def test_only_a_district_street_or_community_sets_a_rule(users, places):
    with pytest.raises(InvalidInput) as exc:
        set_rule(users["street"], places.first_grid)
    assert exc.value.field == "place_id"
    assert not PartyPointRule.objects.exists()


def test_a_community_manager_cannot_set_the_streets_rule_and_a_grid_worker_cannot_set_their_communitys(users, places):
    with pytest.raises(NotFound):
        set_rule(users["community"], places.street)
    with pytest.raises((Forbidden, NotFound)):
        set_rule(users["grid"], places.communities[0])
    assert not PartyPointRule.objects.exists()


def test_saving_the_same_rule_again_records_nothing_and_a_change_records_before_and_after(users, places):
    set_rule(users["street"], places.street)
    set_rule(users["street"], places.street)
    set_rule(users["street"], places.street, annual_points=12)
    events = list(AuditEvent.objects.filter(action="party_point_rule.set").order_by("id"))
    assert len(events) == 2
    assert events[1].detail["fields"] == ["annual_points"]
    assert (events[1].detail["before"], events[1].detail["after"]) == ({"annual_points": 6}, {"annual_points": 12})


def test_a_resident_reads_the_rule_where_they_live_and_not_another_communitys(users, places):
    home = users["resident"].person.place_path
    mine = next(c for c in places.communities if home.startswith(c.path))
    other = next(c for c in places.communities if not home.startswith(c.path))
    assert rule_place(users["resident"], mine.pk) == mine
    with pytest.raises(NotFound):
        rule_place(users["resident"], other.pk)
    with pytest.raises(NotFound):
        rule_place(users["street"], places.first_grid.pk)  # not a node that carries a rule


# ----------------------------------------------------------------------------- awards follow the rule


def confirmed_activity(users: Any, places: Any) -> Any:
    start = timezone.now() - dt.timedelta(minutes=5)
    a = act.activity_create(
        actor=users["community"], place_id=places.compounds[0].pk, title="楼道清洁日", starts_at=start,
        ends_at=start + dt.timedelta(hours=2), capacity=2, points_per_hour=10, publish=True,
    )  # fmt: skip
    act.activity_sign_up(actor=users["volunteer"], activity_id=a.pk)
    token = act.checkin_token(a)
    act.activity_scan(actor=users["volunteer"], activity_id=a.pk, token=token, action="in", now=a.starts_at)
    out = act.activity_scan(
        actor=users["volunteer"], activity_id=a.pk, token=token, action="out", now=a.starts_at + dt.timedelta(hours=1)
    )
    return act.activity_confirm(actor=users["community"], signup_id=out.pk)


def party_balance(user: Any) -> int:
    account = PointAccount.objects.filter(person=user.person, kind="party").first()
    return account.balance if account else 0


def test_a_confirmed_activity_earns_the_party_points_of_the_rule_where_it_is_held(users, places):
    set_rule(users["street"], places.street, points_per_activity=7)
    confirmed_activity(users, places)
    assert party_balance(users["volunteer"]) == 7
    assert PointAccount.objects.get(person=users["volunteer"].person, kind="volunteer").balance == 10  # unchanged


def test_a_rule_of_no_points_an_activity_awards_no_party_points(users, places):
    set_rule(users["street"], places.street, points_per_activity=0)
    confirmed_activity(users, places)
    assert party_balance(users["volunteer"]) == 0
    assert not PointEntry.objects.filter(account__kind="party").exists()


def test_a_confirmed_wish_earns_party_points_only_where_the_rule_awards_them(users, places):
    def fulfil(title: str) -> None:
        wish = w.wish_submit(actor=users["resident"], title=title)
        w.wish_review(actor=users["community"], wish_id=wish.pk, approve=True)
        w.wish_claim(actor=users["volunteer"], wish_id=wish.pk)
        w.wish_fulfil(actor=users["volunteer"], wish_id=wish.pk, note="已完成")
        w.wish_confirm(actor=users["resident"], wish_id=wish.pk, rating="satisfied")

    fulfil("修自行车")  # the default awards no party points for a wish
    assert party_balance(users["volunteer"]) == 0
    set_rule(users["street"], places.street, points_per_wish=5)
    fulfil("换灯泡")
    assert party_balance(users["volunteer"]) == 5


def test_a_resolved_order_earns_the_rules_party_points(users, places):
    from linli.tickets import transitions as tr
    from linli.tickets.services import ticket_submit
    from linli.volunteering.orders import award_order_points

    set_rule(users["street"], places.street, points_per_order=4)
    t, _ = ticket_submit(actor=users["resident"], description="帮老人换灯泡")
    tr.ticket_accept(actor=users["grid"], ticket_id=t.pk)
    tr.ticket_publish(actor=users["grid"], ticket_id=t.pk)
    tr.ticket_claim(actor=users["volunteer"], ticket_id=t.pk)
    tr.ticket_resolve(actor=users["volunteer"], ticket_id=t.pk, note="已换好")
    assert award_order_points() == 1
    assert party_balance(users["volunteer"]) == 4


# ----------------------------------------------------------------------------- the assessment


def test_a_member_meets_the_target_on_both_points_and_services_and_one_short_is_told_by_how_much(users, places):
    community = places.communities[0]
    set_rule(users["street"], places.street)  # 6 points and 2 services a year
    good, short = reported(community, 2)
    for day in (2, 3):
        serve(good.person, community, on=jan(day))
        party_points(good.person, 3, f"g{day}")
    serve(short.person, community, on=jan(2))
    serve(short.person, community, on=jan(2, this_year() - 1))  # last year's: not counted
    party_points(short.person, 4, "s1")
    members = {m.registration.pk: m for m in assessment_members(community, year=this_year()).items}
    assert (members[good.pk].services, members[good.pk].points, members[good.pk].met) == (2, 6, True)
    m = members[short.pk]
    assert (m.services, m.hours, m.points, m.met) == (1, Decimal("2.0"), 4, False)
    assert (m.points_short, m.services_short) == (2, 1)


def test_the_years_points_count_manual_deductions_but_not_redemptions(users, places):
    community = places.communities[0]
    set_rule(users["street"], places.street)
    (reg,) = reported(community, 1)
    party_points(reg.person, 10, "a")
    party_points(reg.person, -3, "m", reason="manual")
    party_points(reg.person, -5, "r", reason="redeem")
    (m,) = assessment_members(community, year=this_year()).items
    assert m.points == 7 and m.by_reason == {"hours": 10, "manual": -3}


def test_where_no_target_is_set_members_are_not_assessed(users, places):
    community = places.communities[0]
    reported(community, 2)
    a = reporting_assessment(places.street, year=this_year())
    assert a.total is not None
    assert (a.total.reported, a.total.assessed, a.total.met, a.total.rate) == (2, 0, 0, None)


def test_the_street_assessment_is_by_community_with_each_communitys_own_target(users, places):
    first, second = places.communities[0], places.other_community
    set_rule(users["street"], places.street, annual_points=2, annual_services=0)
    set_rule(users["community"], first, annual_points=50, annual_services=0)
    for reg in reported(first, 2) + reported(second, 1):
        party_points(reg.person, 3, f"p{reg.pk}")
    a = reporting_assessment(places.street, year=this_year())
    rows = {c.community.pk: c for c in a.communities}
    assert (rows[first.pk].reported, rows[first.pk].met, rows[first.pk].rule.annual_points) == (2, 0, 50)
    assert (rows[second.pk].reported, rows[second.pk].met, rows[second.pk].rate) == (1, 1, 100.0)
    assert a.total is not None and (a.total.reported, a.total.met, a.total.rate) == (3, 1, 33.3)


def test_pending_and_rejected_registrations_are_not_in_the_assessment(users, places):
    community = places.communities[0]
    regs = reported(community, 3)
    WorkplaceRegistration.objects.filter(pk=regs[0].pk).update(status=RegistrationStatus.PENDING)
    WorkplaceRegistration.objects.filter(pk=regs[1].pk).update(status=RegistrationStatus.REJECTED)
    assert [m.registration.pk for m in assessment_members(community, year=this_year()).items] == [regs[2].pk]


def test_the_assessment_takes_the_same_four_statements_for_two_members_or_eight(users, places):
    community = places.communities[0]
    set_rule(users["street"], places.street)

    def counted() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as whole:
            reporting_assessment(places.street, year=this_year())
        with CaptureQueriesContext(connection) as page:
            assessment_members(community, year=this_year(), limit=50)
        return len(whole), len(page)

    for reg in reported(community, 2):
        serve(reg.person, community, on=jan())
    small = counted()
    for reg in reported(community, 6):
        serve(reg.person, community, on=jan())
        party_points(reg.person, 2, f"x{reg.pk}")
    assert counted() == small == (4, 4)


def test_members_page_by_registration_and_a_bad_cursor_is_refused_on_cursor(users, places):
    community = places.communities[0]
    regs = reported(community, 5)
    first = assessment_members(community, year=this_year(), limit=3)
    second = assessment_members(community, year=this_year(), cursor=first.next, limit=3)
    assert [m.registration.pk for m in first.items + second.items] == [r.pk for r in regs]
    assert second.next is None
    with pytest.raises(InvalidInput) as exc:
        assessment_members(community, year=this_year(), cursor="!!!")
    assert exc.value.field == "cursor"


@pytest.mark.parametrize("value", ["2014", "abc", str(timezone.localdate().year + 1)])
def test_a_year_outside_2015_to_this_year_is_refused_naming_year(value):
    with pytest.raises(InvalidInput) as exc:
        assessment_year(value)
    assert exc.value.field == "year"


def test_only_managers_and_leaders_of_the_node_read_the_assessment(users, places):
    assert assessment_place(users["street"], places.street.pk) == places.street
    assert assessment_place(users["community"], places.communities[0].pk) == places.communities[0]
    for user, place in [
        (users["community"], places.street),
        (users["grid"], places.communities[0]),
        (users["resident"], places.communities[0]),
        (users["street"], places.first_grid),
    ]:
        with pytest.raises(NotFound):
            assessment_place(user, place.pk)


# ----------------------------------------------------------------------------- pages, export and API


def test_the_rule_page_saves_the_rule_and_shows_an_error_naming_the_field(client_as, places):
    client = client_as("street")
    url = f"/volunteering/reporting/rules/{places.street.pk}/"
    response = client.post(url, {**RULE, "action": "set"}, follow=True)
    assert response.status_code == 200 and "积分管理办法已保存" in response.content.decode()
    assert PartyPointRule.objects.get(place=places.street).points_per_wish == 5
    page = client.post(url, {**RULE, "points_per_order": "99", "action": "set"}).content.decode()
    assert 'data-field="points_per_order"' in page and 'value="99"' in page
    assert "每单积分应为 0 到 50 之间的整数" in page
    assert PartyPointRule.objects.get(place=places.street).points_per_order == 4


def test_the_rule_page_sets_the_year_chosen_and_lists_the_nodes_versions(client_as, users, places):
    client = client_as("street")
    url = f"/volunteering/reporting/rules/{places.street.pk}/"
    next_year = this_year() + 1
    set_rule(users["street"], places.street)
    response = client.post(url, {**RULE, "year": next_year, "points_per_activity": 8, "action": "set"}, follow=True)
    page = response.content.decode()
    assert f"{next_year} 年度积分管理办法已保存" in page and f"自 {next_year} 年起施行" in page
    assert f'data-year="{next_year}"' in page and f'data-year="{this_year()}"' in page
    assert party_rule_at(places.street.path).points_per_activity == RULE["points_per_activity"]
    bad = client.post(url, {**RULE, "year": "2099", "action": "set"}).content.decode()
    assert 'data-field="year"' in bad and not PartyPointRule.objects.filter(year=2099).exists()
    assert client.get(f"{url}?year=1999").status_code == 200  # a bad year in the address: this year, with the error


def test_a_resident_sees_the_rule_where_they_live_without_the_form(client_as, users, places):
    set_rule(users["street"], places.street)
    home = users["resident"].person.place_path
    mine = next(c for c in places.communities if home.startswith(c.path))
    page = client_as("resident").get(f"/volunteering/reporting/rules/{mine.pk}/").content.decode()
    assert RULE["title"] in page and 'id="rule-form"' not in page
    assert client_as("resident").post(f"/volunteering/reporting/rules/{mine.pk}/", RULE).status_code in (403, 404)


def test_the_assessment_pages_show_communities_then_members(client_as, users, places):
    community = places.communities[0]
    set_rule(users["street"], places.street)
    regs = reported(community, 2)
    street_page = client_as("street").get("/volunteering/reporting/").content.decode()
    assert f'data-place="{community.pk}"' in street_page and "已报到党员" in street_page
    page = client_as("street").get(f"/volunteering/reporting/?place={community.pk}").content.decode()
    assert all(f'data-registration="{r.pk}"' in page for r in regs) and "未达标" in page


def test_the_export_lists_every_member_with_their_year_and_is_audited(client_as, users, places):
    community = places.communities[0]
    set_rule(users["street"], places.street)
    regs = reported(community, 3)
    party_points(regs[0].person, 6, "e")
    for day in (2, 3):
        serve(regs[0].person, community, on=jan(day))
    response = client_as("street").get(f"/volunteering/reporting/export.xlsx?place={places.street.pk}")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("社区", "党员", "工作单位党组织") and len(rows) == 4
    first = next(r for r in rows if r[1] == regs[0].person.name)
    assert (first[3], first[5], first[-1]) == (2, 6, "达标")
    event = AuditEvent.objects.filter(action="reporting.assessment_exported").latest("id")
    assert event.detail["rows"] == 3 and event.detail["year"] == this_year()


def test_the_api_sets_reads_and_clears_a_rule_and_reads_the_assessment(api_as, users, places):
    client = api_as("street")
    url = f"/api/v1/volunteering/party-point-rules/{places.street.pk}"
    body = {k: v for k, v in RULE.items()}
    response = client.put(url, body, content_type="application/json")
    assert response.status_code == 200 and response.json()["set_at_id"] == places.street.pk
    bad = client.put(url, {**body, "annual_services": 500}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["field"] == "annual_services"
    community = places.communities[0]
    reported(community, 2)
    a = client.get(f"/api/v1/volunteering/reporting-assessment/{places.street.pk}").json()
    assert a["total"]["reported"] == 2 and a["communities"][0]["target"]["annual_points"] == 6
    members = client.get(f"/api/v1/volunteering/reporting-assessment/{community.pk}/members?limit=1").json()
    assert len(members["items"]) == 1 and members["next"] and members["items"][0]["met"] is False
    ahead = client.put(url, {**body, "year": this_year() + 1, "annual_points": 9}, content_type="application/json")
    assert (ahead.json()["year"], ahead.json()["since"], ahead.json()["annual_points"]) == (this_year() + 1,) * 2 + (9,)
    assert client.get(url).json()["annual_points"] == 6
    versions = client.get(f"{url}/versions").json()
    assert [v["year"] for v in versions] == [this_year() + 1, this_year()]
    cleared = client.delete(url).json()
    assert cleared["set_at_id"] is None and cleared["points_per_activity"] == DEFAULT_RULE.points_per_activity
    assert client.get(f"{url}?year={this_year() + 1}").json()["annual_points"] == 9
    assert client.get(f"{url}?year=2014").status_code == 422
    other = api_as("community").get(f"/api/v1/volunteering/reporting-assessment/{places.street.pk}")
    assert other.status_code == 404


def test_a_party_member_sees_the_rule_they_earn_by_on_their_points_page(client_as, users, places):
    set_rule(users["street"], places.street, points_per_activity=3)
    page = client_as("volunteer").get("/volunteering/points/").content.decode()
    assert 'id="party-rule"' in page and "每次活动 3 分" in page and RULE["title"] in page
    assert 'id="party-rule"' not in client_as("resident").get("/volunteering/points/").content.decode()


def test_the_street_dashboard_links_to_the_assessment_the_committee_oversight_and_the_charters(client_as, places):
    page = client_as("street").get(f"/insights/?node={places.street.pk}").content.decode()
    assert f"/volunteering/reporting/?place={places.street.pk}" in page
    assert 'id="open-committee-oversight"' in page and f"/co-building/charters/?node={places.street.pk}" in page
    for link in ("open-reporting", "open-committee-oversight", "open-charters"):
        href = page.split(f'id="{link}"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
        assert client_as("street").get(href).status_code == 200, href
