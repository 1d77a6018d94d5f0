"""小事不出小区、大事不出街道: at which level requests were resolved (docs/metrics.md, "Resolution tiers").

``in_compound`` ⊆ ``grassroots`` ⊆ ``in_street`` ⊆ ``resolved``, from the ``left_compound`` / ``left_community`` /
``left_street`` flags of the hand-over events; the event fold (metrics) and the rollups agree, old events without
the new flags included."""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from linli.accounts.models import User
from linli.insights import periods, reports, rollups
from linli.insights import selectors as s
from linli.insights.models import RequestFact, RequestRollup
from linli.orgs.models import Organisation, OrganisationKind
from linli.people.models import Position
from linli.places.models import Place, PlaceKind
from linli.tickets import metrics, tiers
from linli.tickets import transitions as tr
from linli.tickets.models import Rating, Status, Ticket, TicketEvent
from linli.tickets.services import ticket_submit

pytestmark = pytest.mark.django_db

TIERS = ("in_compound", "grassroots", "in_street")
HAND_OVERS = {"accept", "assign", "transfer", "escalate"}


def submitted(users: dict[str, Any], text: str = "楼道灯坏了,晚上很黑") -> Ticket:
    t, _ = ticket_submit(actor=users["resident"], description=text)
    return t


def level(t: Ticket, kind: str) -> Place:
    return next(p for p in Place.objects.filter(path__in=[t.place_path[:i] for i in range(4, 33, 4)]) if p.kind == kind)


def events_of(t: Ticket) -> list[dict[str, Any]]:
    return list(TicketEvent.objects.filter(ticket=t).order_by("at", "id").values("action", "at", "data", "place_path"))


def tiers_of(t: Ticket) -> tuple[bool, bool, bool]:
    """The request's three tiers, from its stored fact (moved by the services), checked against the event fold."""
    fact = RequestFact.objects.get(ticket_id=t.pk)
    folded = metrics.Figures()
    folded.add(events_of(t))
    assert [getattr(folded, n) for n in TIERS] == [int(getattr(fact, n)) for n in TIERS]
    refolded = rollups.fold(events_of(t))
    assert [refolded[n] for n in TIERS] == [getattr(fact, n) for n in TIERS]
    return fact.in_compound, fact.grassroots, fact.in_street


def liaison_of(org: Organisation, place: Place) -> User:
    person = Position.objects.filter(kind="department_liaison").first().person
    Position.objects.create(
        person=person,
        kind="department_liaison",
        place=place,
        place_path=place.path,
        organisation=org,
        title="联络员",
        start_date=timezone.localdate() - dt.timedelta(days=1),
    )
    return User.objects.create(username=f"liaison-{org.pk}", person=person)


def department_at(place: Place, name: str) -> Organisation:
    org = Organisation.objects.create(kind=OrganisationKind.DEPARTMENT, name=name, home=place, place_path=place.path)
    org.serves.set([place])
    return org


# --- one request at a time, through the services ----------------------------------------------------------


def test_a_request_the_grid_worker_accepts_and_resolves_counts_in_all_three_tiers(users, places):
    t = submitted(users)
    tr.ticket_accept(actor=users["grid"], ticket_id=t.pk)
    tr.ticket_assign(actor=users["grid"], ticket_id=t.pk, place_id=places.first_grid.pk)
    tr.ticket_resolve(actor=users["grid"], ticket_id=t.pk, note="已更换灯泡")
    for event in TicketEvent.objects.filter(ticket=t, action__in=HAND_OVERS):
        assert event.data["unit_kind"] == PlaceKind.GRID
        assert [event.data[flag] for flag in tiers.FLAGS] == [False, False, False]
    assert tiers_of(t) == (True, True, True)


def test_a_request_handed_to_the_community_counts_in_the_community_and_the_street_but_not_the_compound(users):
    t = submitted(users)
    tr.ticket_accept(actor=users["grid"], ticket_id=t.pk)
    tr.ticket_assign(actor=users["grid"], ticket_id=t.pk, place_id=level(t, PlaceKind.COMMUNITY).pk)
    tr.ticket_resolve(actor=users["community"], ticket_id=t.pk, note="社区协调解决")
    assign = TicketEvent.objects.get(ticket=t, action="assign").data
    assert (assign["left_compound"], assign["left_community"], assign["left_street"]) == (True, False, False)
    assert tiers_of(t) == (False, True, True)


def test_a_request_escalated_to_the_street_counts_in_the_street_only(users):
    t = submitted(users)
    tr.ticket_accept(actor=users["grid"], ticket_id=t.pk)
    tr.ticket_assign(actor=users["grid"], ticket_id=t.pk, place_id=level(t, PlaceKind.COMMUNITY).pk)
    t = tr.ticket_escalate(actor=users["community"], ticket_id=t.pk, note="需街道协调")
    assert t.handling_place == level(t, PlaceKind.STREET)
    tr.ticket_acknowledge(actor=users["street"], ticket_id=t.pk)
    tr.ticket_resolve(actor=users["street"], ticket_id=t.pk, note="街道协调解决")
    assert tiers_of(t) == (False, False, True)


def test_a_street_department_keeps_the_request_in_the_street(users):
    t = submitted(users)
    tr.ticket_accept(actor=users["grid"], ticket_id=t.pk)
    dept = Organisation.objects.filter(kind=OrganisationKind.DEPARTMENT, home=level(t, PlaceKind.STREET)).first()
    liaison = liaison_of(dept, level(t, PlaceKind.STREET))
    tr.ticket_escalate(actor=users["grid"], ticket_id=t.pk, note="涉及违建", organisation_id=dept.pk)
    tr.ticket_acknowledge(actor=liaison, ticket_id=t.pk)
    tr.ticket_resolve(actor=liaison, ticket_id=t.pk, note="已处理")
    assert tiers_of(t) == (False, False, True)


def test_a_request_sent_to_a_district_department_counts_in_no_tier(users):
    t = submitted(users)
    tr.ticket_accept(actor=users["grid"], ticket_id=t.pk)
    district = level(t, PlaceKind.DISTRICT)
    dept = department_at(district, "区住建局")
    liaison = liaison_of(dept, district)
    tr.ticket_escalate(actor=users["grid"], ticket_id=t.pk, note="需区住建局处理", organisation_id=dept.pk)
    data = TicketEvent.objects.get(ticket=t, action="escalate").data
    assert (data["left_compound"], data["left_community"], data["left_street"]) == (True, True, True)
    tr.ticket_acknowledge(actor=liaison, ticket_id=t.pk)
    tr.ticket_resolve(actor=liaison, ticket_id=t.pk, note="已处理")
    assert tiers_of(t) == (False, False, False)


def test_the_compounds_property_company_and_owners_committee_keep_the_request_in_the_compound(users):
    t = submitted(users)
    compound, community = level(t, PlaceKind.COMPOUND), level(t, PlaceKind.COMMUNITY)
    company = Organisation.objects.create(
        kind=OrganisationKind.PROPERTY_COMPANY, name="物业(测试)", home=community, place_path=community.path
    )
    company.serves.set([compound])
    tr.ticket_accept(actor=users["grid"], ticket_id=t.pk)
    tr.ticket_assign(actor=users["grid"], ticket_id=t.pk, organisation_id=company.pk)
    owners = Organisation.objects.create(
        kind=OrganisationKind.OWNERS_COMMITTEE, name="业委会(测试)", home=compound, place_path=compound.path
    )
    tr.ticket_transfer(actor=users["grid"], ticket_id=t.pk, organisation_id=owners.pk, note="业主共有部分")
    tr.ticket_resolve(actor=users["grid"], ticket_id=t.pk, note="已修复")
    assert tiers_of(t) == (True, True, True)


def test_an_organisation_lies_above_the_compound_unless_it_is_the_compounds_own():
    community, street, district = (Place.objects.filter(kind=k).first() for k in ("community", "street", "district"))
    compound = Place.objects.filter(kind="compound", path__startswith=community.path).first()

    def left(kind: str, home: Place, serves: list[Place]) -> tuple[bool, bool, bool]:
        org = Organisation.objects.create(kind=kind, name=f"{kind}@{home.name}", home=home, place_path=home.path)
        org.serves.set(serves)
        data = tr.unit_data(None, org)
        return data["left_compound"], data["left_community"], data["left_street"]

    assert left(OrganisationKind.PROPERTY_COMPANY, community, [compound]) == (False, False, False)
    assert left(OrganisationKind.PROPERTY_COMPANY, community, [community]) == (True, False, False)
    assert left(OrganisationKind.PROPERTY_COMPANY, community, []) == (True, False, False)
    assert left(OrganisationKind.RESIDENTS_COMMITTEE, community, [community]) == (True, False, False)
    assert left(OrganisationKind.SOCIAL_ORG, compound, []) == (False, False, False)
    assert left(OrganisationKind.PROPERTY_COMPANY, street, [compound]) == (True, True, False)
    assert left(OrganisationKind.DEPARTMENT, street, [street]) == (True, True, False)
    assert left(OrganisationKind.DEPARTMENT, district, [district]) == (True, True, True)
    assert left(OrganisationKind.PROPERTY_COMPANY, district, [compound]) == (True, True, True)


def test_reopened_and_unresolved_requests_count_in_no_tier(users, places):
    reopened, waiting = submitted(users), submitted(users, "垃圾清运不及时")
    tr.ticket_accept(actor=users["grid"], ticket_id=reopened.pk)
    tr.ticket_assign(actor=users["grid"], ticket_id=reopened.pk, place_id=places.first_grid.pk)
    tr.ticket_resolve(actor=users["grid"], ticket_id=reopened.pk, note="已处理")
    assert tiers_of(reopened) == (True, True, True)
    tr.ticket_rate(actor=users["resident"], ticket_id=reopened.pk, rating=Rating.UNSATISFIED, note="没修好")
    tr.ticket_reopen(actor=users["street"], ticket_id=reopened.pk, note="重新办理")
    tr.ticket_accept(actor=users["grid"], ticket_id=waiting.pk)
    assert tiers_of(reopened) == tiers_of(waiting) == (False, False, False)
    today = timezone.localdate()
    f = s.request_figures(places.street, s.Period(today, today))
    assert (f.resolved, f.in_compound, f.grassroots, f.in_street) == (0, 0, 0, 0)
    assert f.compound_share is None and f.street_share is None


# --- a mixed history: new events and events written before the flags ---------------------------------------


def append(t: Ticket, action: str, minutes: int, **data: Any) -> None:
    """An event as an older release wrote it (the table is append-only: added, never rewritten)."""
    TicketEvent.objects.create(
        ticket=t,
        place_path=t.place_path,
        at=t.submitted_at + dt.timedelta(minutes=minutes),
        action=action,
        from_status="",
        to_status=Status.RESOLVED if action == "resolve" else Status.ASSIGNED,
        data=data,
    )
    rollups.on_ticket_event(ticket_id=t.pk)


def old_place(place: Place, left_community: bool) -> dict[str, Any]:
    return {"unit": place.name, "unit_kind": place.kind, "place_id": place.pk, "left_community": left_community}


def old_org(org: Organisation, left_community: bool) -> dict[str, Any]:
    return {"unit": org.name, "unit_kind": org.kind, "organisation_id": org.pk, "left_community": left_community}


def test_old_events_without_the_new_flags_fold_alike_in_metrics_and_rollups(users, places):
    probe = submitted(users, "探测")
    grid, compound = level(probe, PlaceKind.GRID), level(probe, PlaceKind.COMPOUND)
    community, street = level(probe, PlaceKind.COMMUNITY), level(probe, PlaceKind.STREET)
    district = level(probe, PlaceKind.DISTRICT)
    company = Organisation.objects.create(
        kind=OrganisationKind.PROPERTY_COMPANY, name="旧物业", home=community, place_path=community.path
    )
    company.serves.set([compound])
    committee = Organisation.objects.create(
        kind=OrganisationKind.RESIDENTS_COMMITTEE, name="旧居委会", home=community, place_path=community.path
    )
    committee.serves.set([community])
    street_dept, district_dept = department_at(street, "街道旧部门"), department_at(district, "区旧部门")
    cases: list[tuple[list[dict[str, Any]], tuple[bool, bool, bool]]] = [
        ([old_place(grid, False)], (True, True, True)),
        ([old_place(grid, False), old_place(community, False)], (False, True, True)),
        ([old_place(grid, False), old_place(street, True)], (False, False, True)),
        ([old_place(district, True)], (False, False, False)),
        ([old_org(company, False)], (True, True, True)),
        ([old_org(committee, False)], (False, True, True)),
        ([old_org(street_dept, True)], (False, False, True)),
        ([old_org(district_dept, True)], (False, False, False)),
        ([{"left_community": False}], (False, True, True)),  # the unit unknown: not credited to the compound
        ([{"left_community": True}], (False, False, False)),  # nor to the street
        ([tr.unit_data(grid, None), old_org(company, False)], (True, True, True)),  # new and old events mixed
        ([tr.unit_data(grid, None), old_org(district_dept, True)], (False, False, False)),
    ]
    made = []
    for hand_overs, expected in cases:
        t = submitted(users, f"旧诉求 {len(made)}")
        for k, data in enumerate(hand_overs):
            append(t, "accept" if k == 0 else "transfer", k + 1, **data)
        append(t, "resolve", 30, on_time=True)
        made.append((t, expected))
    for t, expected in made:
        assert tiers_of(t) == expected, TicketEvent.objects.filter(ticket=t).values_list("data", flat=True)
    today = timezone.localdate()
    total, _ = metrics.compute(places.street, today, today)
    board = s.request_figures(places.street, s.Period(today, today))
    for name in ("resolved", *TIERS, "compound_share", "grassroots_share", "street_share"):
        assert getattr(total, name) == getattr(board, name), name
    assert (total.in_compound, total.grassroots, total.in_street) == tuple(sum(e[i] for _, e in made) for i in range(3))
    assert rollups.differences() == []  # the incremental path and a full refold agree
    rollups.rebuild()
    assert s.request_figures(places.street, s.Period(today, today)).in_compound == total.in_compound


def test_the_fallback_reads_each_old_organisation_once_per_fold(users, places, django_assert_num_queries):
    t = submitted(users)
    community = level(t, PlaceKind.COMMUNITY)
    company = Organisation.objects.create(
        kind=OrganisationKind.PROPERTY_COMPANY, name="旧物业", home=community, place_path=community.path
    )
    company.serves.set([level(t, PlaceKind.COMPOUND)])
    events = [{"data": old_org(company, False)}, {"data": old_org(company, False)}]
    with django_assert_num_queries(2):  # the organisation with its home, and what it serves
        assert tiers.request_left(events) == tiers.Left(False, False, False)
    with django_assert_num_queries(0):  # events with the flags need nothing
        assert tiers.request_left([{"data": tr.unit_data(community, None)}]) == tiers.Left(True, False, False)


# --- demo history, generated district, pages, API, report, check --------------------------------------------


@pytest.fixture
def history(places):
    from linli.tickets.demo import build_demo_tickets

    build_demo_tickets(random.Random(11), count=120, days=40)
    rollups.rebuild()
    today = timezone.localdate()
    return s.Period(today - dt.timedelta(days=60), today)


def test_demo_and_generated_hand_overs_carry_all_three_flags_and_the_tiers_nest(history, places):
    from linli.core.scale.generate import generate_requests

    generate_requests(count=300, seed=4, days=40)
    rollups.rebuild()
    for data in TicketEvent.objects.filter(action__in=HAND_OVERS).values_list("data", flat=True):
        assert {"left_compound", "left_community", "left_street"} <= set(data), data
        if "place_id" in data:
            assert tiers.place_left(data["unit_kind"]).data() == {k: data[k] for k in tiers.FLAGS}
    for f in RequestFact.objects.all():
        assert f.in_compound <= f.grassroots <= f.in_street <= f.resolved
    period = s.Period(history.since, history.until)
    total, _ = metrics.compute(places.street, period.since, period.until)
    board = s.request_figures(places.street, period)
    assert [getattr(board, n) for n in TIERS] == [getattr(total, n) for n in TIERS]
    assert 0 < board.in_compound < board.grassroots < board.in_street == board.resolved  # none sent to the district
    assert rollups.differences() == []


def test_the_rollup_check_reports_the_new_counters_until_they_are_rebuilt(history, capsys):
    """What an upgrade leaves: migration 0005 adds the columns at 0; check_rollups fails until rebuild_rollups."""
    call_command("check_rollups")
    RequestFact.objects.update(in_compound=False, in_street=False)
    RequestRollup.objects.update(in_compound=0, in_street=0)
    with pytest.raises(CommandError, match="differences"):
        call_command("check_rollups")
    call_command("rebuild_rollups")
    call_command("check_rollups")
    assert "rollups equal the event rows" in capsys.readouterr().out
    assert RequestRollup.objects.filter(in_compound__gt=0).exists()


def count_on(html: str) -> int:
    return int(re.search(r'id="list-count">(\d+)<', html).group(1))


def test_the_dashboard_shows_both_rates_and_each_drills_into_its_lists(history, places, client_as):
    client = client_as("street")
    q = f"node={places.street.pk}&since={history.since}&until={history.until}"
    board = s.dashboard_figures(places.street, history)
    html = client.get(f"{reverse('insights:dashboard')}?{q}").content.decode()
    for rate in ("compound_share", "street_share"):
        assert f'data-figure="{rate}" href="/insights/figures/{rate}/' in html
        page = client.get(f"{reverse('insights:figure', args=[rate])}?{q}")
        assert page.status_code == 200
    assert "小区解决占比" in html and "街道内解决占比" in html
    lists = reverse("insights:requests")
    t = board.totals
    expected = {
        "in_compound": t.in_compound,
        "left_compound": t.resolved - t.in_compound,
        "in_street": t.in_street,
        "left_street": t.resolved - t.in_street,
    }
    for figure, n in expected.items():
        assert count_on(client.get(f"{lists}?{q}&figure={figure}").content.decode()) == n, figure
    community = client_as("community").get(f"{reverse('insights:dashboard')}?node={places.communities[0].pk}")
    assert 'data-figure="compound_share"' in community.content.decode()


def test_the_metrics_page_shows_the_three_tiers(history, places, client_as):
    html = client_as("street").get(f"/requests/metrics/?node={places.street.pk}").content.decode()
    for name in ("compound_share", "grassroots_share", "street_share"):
        assert f'data-metric="{name}"' in html


def test_the_apis_give_the_counts_rates_and_definitions(history, places, api_as):
    api = api_as("street")
    board = s.dashboard_figures(places.street, periods.default_period())
    figures = api.get("/api/v1/insights/dashboard").json()["figures"]
    for name in ("in_compound", "in_street", "compound_share", "street_share"):
        assert figures[name] == getattr(board.totals, name), name
    body = api.get(f"/api/v1/metrics?node={places.street.pk}").json()
    assert body["figures"]["compound_share"] == board.totals.compound_share
    assert body["figures"]["street_share"] == board.totals.street_share
    assert {"compound_share", "street_share"} <= set(body["definitions"])
    schema = api.get("/api/v1/openapi.json").json()["components"]["schemas"]
    for out in ("InsightsRequestFiguresOut", "RequestFiguresOut"):
        assert {"in_compound", "in_street", "compound_share", "street_share"} <= set(schema[out]["properties"])


def test_the_work_report_states_the_three_tiers(history, places):
    content = reports.build_content(places.street, history, "工作报告")
    t = s.dashboard_figures(places.street, history).totals
    text = "".join(content.sentences)
    assert f"在小区内解决{t.in_compound}个,小区解决占比{reports.pct(t.compound_share)}" in text
    assert f"在街道内解决{t.in_street}个,街道内解决占比{reports.pct(t.street_share)}" in text
    main = dict((row[0], row[1]) for row in content.tables[0].rows)
    assert main["小区解决占比"] == reports.pct(t.compound_share)
    assert main["街道内解决占比"] == reports.pct(t.street_share)
    children = next(table for table in content.tables if table.title == "下级单位")
    assert children.header[6:] == ["小区解决占比", "基层解决占比", "街道内解决占比"]
    assert content.figures["compound_share"] == t.compound_share and content.figures["in_street"] == t.in_street


def _page_figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-metric="(\w+)"><b>([^<]*)</b>', html))


def test_the_metrics_page_reads_the_rollups_and_shows_exactly_what_the_event_fold_computes(history, places, client_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as("street")
    url = f"/requests/metrics/?node={places.street.pk}&since={history.since}&until={history.until}"
    client.get(url)  # the session's first request records it
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    folded, by_child = metrics.compute(places.street, history.since, history.until)
    shown = _page_figures(html)
    assert shown["received"] == str(folded.received) and folded.received > 0
    for name in ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate", "street_share"):
        rate = getattr(folded, name)
        assert shown[name] == (f"{round(rate * 100)}%" if rate is not None else "—"), name
    for community in places.communities:
        child = by_child.get(community.path)
        assert f">{community.name}</a></td>\n<td>{child.received if child else 0}</td>" in html
    assert not any("tickets_ticketevent" in q["sql"] for q in queries.captured_queries)  # no fold on the page


def test_the_metrics_api_reads_the_rollups_and_answers_exactly_what_the_event_fold_computes(history, places, api_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = api_as("street")
    url = f"/api/v1/metrics?node={places.street.pk}&since={history.since}&until={history.until}"
    api.get(url)
    with CaptureQueriesContext(connection) as queries:
        body = api.get(url).json()
    folded, by_child = metrics.compute(places.street, history.since, history.until)
    assert folded.received > 0
    for name in (*metrics.RequestFiguresOut.model_fields,):
        if name.startswith("mean_hours"):  # sums of seconds against sums of hours: equal to the hundredth
            assert body["figures"][name] == pytest.approx(getattr(folded, name), abs=0.011), name
        else:
            assert body["figures"][name] == getattr(folded, name), name
    # the fold's ranking: its children with enough requests, in the one order (metrics.rank_key)
    by_path = {c.path: c for c in places.communities}
    expected = sorted(
        ((by_path[path], f) for path, f in by_child.items() if f.received >= metrics.MIN_REQUESTS_FOR_RANKING),
        key=lambda pair: metrics.rank_key(*pair),
    )
    assert [r["place_id"] for r in body["rankings"]] == [place.pk for place, _ in expected]
    for shown, (_, want) in zip(body["rankings"], expected, strict=True):
        assert shown["figures"]["received"] == want.received
        assert shown["figures"]["satisfaction_rate"] == want.satisfaction_rate
    assert not any("tickets_ticketevent" in q["sql"] for q in queries.captured_queries)  # no fold on the API


def test_the_metrics_api_refuses_a_period_longer_than_the_rollups_serve(places, api_as):
    response = api_as("street").get(f"/api/v1/metrics?node={places.street.pk}&since=2020-01-01&until=2026-01-01")
    assert response.status_code == 422
    assert response.json()["field"] == "until"
