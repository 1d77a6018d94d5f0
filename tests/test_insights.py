"""Insights: rollups equal the event rows, every dashboard figure equals its drill-down list, scoping."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from linli.core.errors import InvalidInput, NotFound
from linli.insights import drilldown, periods, rollups
from linli.insights import selectors as s
from linli.insights.models import RequestFact, RequestRollup
from linli.places.models import Place
from linli.tickets import metrics
from linli.tickets import transitions as tr
from linli.tickets.models import Rating, Ticket
from linli.tickets.services import ticket_submit

pytestmark = pytest.mark.django_db

FIGURE_NAMES = [
    "received",
    "valid",
    "responded",
    "accepted",
    "resolved",
    "rated",
    "satisfied",
    "on_time",
    "grassroots",
    "in_compound",
    "in_street",
]


@pytest.fixture
def history(places):
    """A few months of requests under the street (bulk, like the demo), rolled up."""
    from linli.tickets.demo import build_demo_tickets

    build_demo_tickets(random.Random(5), count=160, days=70)
    rollups.rebuild()
    today = timezone.localdate()
    return s.Period(today - dt.timedelta(days=90), today)


def same_as_metrics(node, period):
    total, children = metrics.compute(node, period.since, period.until)
    mine = s.request_figures(node, period)
    for name in [*FIGURE_NAMES, "response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate"]:
        assert getattr(mine, name) == getattr(total, name), name
    for rate in ("compound_share", "grassroots_share", "street_share"):
        assert getattr(mine, rate) == getattr(total, rate), rate
    assert mine.mean_hours_to_resolve == pytest.approx(total.mean_hours_to_resolve or 0, abs=0.01) or (
        mine.mean_hours_to_resolve is None and total.mean_hours_to_resolve is None
    )
    return total, children


def test_rollups_equal_the_event_fold_for_the_street_each_community_and_a_grid(history, places):
    total, children = same_as_metrics(places.street, history)
    assert total.received == 160
    for community in places.communities:
        same_as_metrics(community, history)
    same_as_metrics(places.first_grid, history)  # below the bucket depth: read from the facts
    board = s.dashboard_figures(places.street, history)
    for branch in board.children:
        expected = children.get(branch.place.path)
        assert branch.figures.received == (expected.received if expected else 0)
        assert branch.figures.satisfied == (expected.satisfied if expected else 0)
    assert rollups.differences() == []


def test_every_level_from_the_district_to_a_building_reads_the_same_figures_as_the_event_fold(history, places, users):
    district = Place.objects.get(path=places.street.path[: Place.steplen])
    building = Place.objects.get(path=RequestFact.objects.filter(place_path__regex=r"^.{24}").first().place_path[:24])
    assert building.kind == "building"
    for node in (district, places.street, places.communities[0], places.compounds[0], places.first_grid, building):
        same_as_metrics(node, history)
    year = s.Period(history.until - dt.timedelta(days=400), history.until)  # month rows and day rows
    for node in (district, places.street, places.communities[0]):
        same_as_metrics(node, year)
    assert s.request_figures(district, history).received == 160


def same_figures(a, b):
    # Counters exactly; the seconds are float sums, added in another order (the same to 1e-9).
    assert [getattr(a, f) for f in FIGURE_NAMES] == [getattr(b, f) for f in FIGURE_NAMES]
    assert (a.respond_seconds, a.resolve_seconds) == pytest.approx((b.respond_seconds, b.resolve_seconds))


def test_the_dashboard_derives_totals_children_breakdowns_and_hotspots_from_three_reads_exactly(history, places):
    from collections import Counter

    for node in (places.street, places.communities[0]):
        board = s.dashboard_figures(node, history)
        same_figures(board.totals, s.request_figures(node, history))
        separately = s.children_figures(node, history)
        assert [b.place.pk for b in board.children] == [b.place.pk for b in separately]
        for mine, theirs in zip(board.children, separately, strict=True):
            same_figures(mine.figures, theirs.figures)
        facts = RequestFact.objects.filter(place_path__startswith=node.path, day__gte=history.since)
        by_category = Counter(facts.values_list("category_root", flat=True))
        assert {int(c.key): c.received for c in board.categories} == dict(by_category)
        assert {c.key: c.received for c in board.sources} == dict(Counter(facts.values_list("source", flat=True)))
        size = s.hotspot_length(node)
        pairs = Counter((path[:size], root) for path, root in facts.values_list("place_path", "category_root"))
        expected = sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        assert [(h.place.path, h.category_id, h.received) for h in board.hotspots] == [
            (spot, root, n) for (spot, root), n in expected
        ]


def test_each_service_event_moves_the_rollups_in_the_same_transaction(users, places):
    period = s.Period(timezone.localdate(), timezone.localdate())
    a, _ = ticket_submit(actor=users["resident"], description="楼道灯坏了,晚上很黑")
    b, _ = ticket_submit(actor=users["resident"], description="垃圾清运不及时")
    c, _ = ticket_submit(actor=users["resident"], description="垃圾清运不及时,重复反映")
    assert s.request_figures(places.street, period).received == 3
    tr.ticket_accept(actor=users["grid"], ticket_id=a.pk)
    tr.ticket_publish(actor=users["grid"], ticket_id=a.pk)
    tr.ticket_claim(actor=users["volunteer"], ticket_id=a.pk)
    tr.ticket_resolve(actor=users["volunteer"], ticket_id=a.pk, note="已更换灯泡")
    tr.ticket_rate(actor=users["resident"], ticket_id=a.pk, rating=Rating.UNSATISFIED, note="还是不亮")
    tr.ticket_decline(actor=users["grid"], ticket_id=b.pk, note="不属于受理范围")
    tr.ticket_merge(actor=users["grid"], ticket_id=c.pk, master_id=a.pk)
    f = s.request_figures(places.street, period)
    assert (f.received, f.valid, f.responded, f.accepted, f.resolved, f.rated, f.satisfied) == (3, 2, 2, 1, 1, 1, 0)
    assert f.unsatisfied == 1
    same_as_metrics(places.street, period)
    tr.ticket_reopen(actor=users["street"], ticket_id=a.pk, note="重新办理")
    assert s.request_figures(places.street, period).resolved == 0  # reopened: not resolved until resolved again
    same_as_metrics(places.street, period)
    assert rollups.differences() == []


def test_a_refused_transition_leaves_the_rollups_as_they_were(users, places):
    t, _ = ticket_submit(actor=users["resident"], description="下水道堵塞")
    before = list(RequestRollup.objects.values())
    with pytest.raises(InvalidInput):
        tr.ticket_decline(actor=users["grid"], ticket_id=t.pk, note="")
    assert list(RequestRollup.objects.values()) == before


def test_check_rollups_fails_on_a_tampered_row_and_rebuild_mends_it(history, capsys):
    call_command("check_rollups")
    row = RequestRollup.objects.order_by("id").first()
    RequestRollup.objects.filter(pk=row.pk).update(satisfied=row.satisfied + 1)
    with pytest.raises(Exception, match="differences"):
        call_command("check_rollups")
    call_command("rebuild_rollups")
    call_command("check_rollups")
    assert "rollups equal the event rows" in capsys.readouterr().out


def rollup_table() -> dict[tuple, tuple]:
    """The rollup rows by key. Rows left all zero (the services keep a key's rows when its last request
    leaves it; a rebuild writes none) are left out: they count nothing."""
    fields = ("bucket_path", "category_root", "source", "span", "day", *rollups.FIELDS)
    rows = list(RequestRollup.objects.values_list(*fields))
    assert len({r[:5] for r in rows}) == len(rows)
    return {r[:5]: r[5:] for r in rows if any(r[5:])}


def test_a_rebuild_of_a_mixed_history_writes_exactly_what_the_services_moved_one_event_at_a_time(users, places):
    """Bulk history over months (demo and generated), rebuilt; then requests and events through the services
    — new requests, events on months-old ones (day and month rows), a category correction, an event as an
    older release wrote it, a compound and a building moved. The check finds nothing, and a rebuild writes
    the same facts and the same rows: counters exactly, seconds to float rounding (sums in another order)."""
    from linli.core.scale.generate import generate_requests
    from linli.places.services import place_move
    from linli.tickets.demo import build_demo_tickets
    from linli.tickets.models import Category, TicketEvent

    build_demo_tickets(random.Random(21), count=150, days=200)
    generate_requests(count=150, seed=21, days=200)
    rollups.rebuild()
    a, _ = ticket_submit(actor=users["resident"], description="楼道灯坏了,晚上很黑")
    b, _ = ticket_submit(actor=users["resident"], description="垃圾清运不及时")
    c, _ = ticket_submit(actor=users["resident"], description="垃圾清运不及时,重复反映")
    d, _ = ticket_submit(actor=users["resident"], description="下水道堵塞")
    tr.ticket_accept(actor=users["grid"], ticket_id=a.pk)
    tr.ticket_publish(actor=users["grid"], ticket_id=a.pk)
    tr.ticket_claim(actor=users["volunteer"], ticket_id=a.pk)
    tr.ticket_resolve(actor=users["volunteer"], ticket_id=a.pk, note="已更换灯泡")
    tr.ticket_rate(actor=users["resident"], ticket_id=a.pk, rating=Rating.UNSATISFIED, note="还是不亮")
    tr.ticket_reopen(actor=users["street"], ticket_id=a.pk, note="重新办理")
    tr.ticket_decline(actor=users["grid"], ticket_id=b.pk, note="不属于受理范围")
    tr.ticket_merge(actor=users["grid"], ticket_id=c.pk, master_id=a.pk)
    leaf = Category.objects.create(parent=Category.objects.create(name="道路"), level=2, name="路面破损")
    tr.ticket_recategorise(actor=users["grid"], ticket_id=d.pk, category_id=leaf.pk, note="分类更正")
    long_ago = timezone.now() - dt.timedelta(days=60)
    old = list(Ticket.objects.filter(status="accepted", submitted_at__lt=long_ago).order_by("id")[:3])
    assert len(old) == 3
    neighbour = (  # a months-old request of the same community, to merge into
        Ticket.objects.filter(place_path__startswith=old[0].place_path[: 3 * Place.steplen], submitted_at__lt=long_ago)
        .filter(status__in=["accepted", "resolved", "rated"])
        .exclude(pk__in=[t.pk for t in old])
        .order_by("id")
        .first()
    )
    tr.ticket_merge(actor=users["admin"], ticket_id=old[0].pk, master_id=neighbour.pk, note="同一问题")
    tr.ticket_recategorise(actor=users["admin"], ticket_id=old[1].pk, category_id=leaf.pk, note="分类更正")
    TicketEvent.objects.create(  # an event as an older release wrote it, folded by the explicit call
        ticket=old[2],
        place_path=old[2].place_path,
        at=old[2].submitted_at + dt.timedelta(days=2),
        action="resolve",
        from_status="accepted",
        to_status="resolved",
        data={"on_time": True, "left_community": False},
    )
    rollups.on_ticket_event(ticket_id=old[2].pk)
    building = next(b for b in places.buildings if b.path.startswith(places.first_grid.path))
    ticket_submit(actor=users["community"], description="单元门禁坏了", place_id=building.pk, source="phone")
    place_move(actor=users["admin"], node=building, new_parent=next(g for g in places.grids if g != places.first_grid))
    compound = places.compounds[0]
    home = next(c for c in places.communities if compound.path.startswith(c.path))
    place_move(actor=users["admin"], node=compound, new_parent=next(c for c in places.communities if c != home))

    assert rollups.differences() == []
    moved, facts = rollup_table(), list(RequestFact.objects.order_by("ticket_id").values())
    assert rollups.rebuild() == (len(facts), RequestRollup.objects.count())
    rebuilt = rollup_table()
    assert list(RequestFact.objects.order_by("ticket_id").values()) == facts
    assert rebuilt.keys() == moved.keys()
    counted = len(rollups.COUNTERS)
    assert {k: v[:counted] for k, v in rebuilt.items()} == {k: v[:counted] for k, v in moved.items()}
    for key, row in rebuilt.items():
        assert row[counted:] == pytest.approx(moved[key][counted:], rel=1e-12), key
    assert {span for *_, span, _day in rebuilt} == {"d", "m"}
    assert rollups.differences() == []


@pytest.fixture
def year_of_history(places):
    """Ten months of requests under the street, rolled up (day rows and month rows)."""
    from linli.tickets.demo import build_demo_tickets

    build_demo_tickets(random.Random(9), count=220, days=300)
    rollups.rebuild()


@pytest.mark.parametrize(("back", "until_back"), [(364, 0), (200, 17), (150, 40), (93, 0)])
def test_long_periods_read_whole_months_from_month_rows_and_equal_the_event_fold(
    year_of_history, places, back, until_back
):
    today = timezone.localdate()
    period = s.Period(today - dt.timedelta(days=back), today - dt.timedelta(days=until_back))
    total, _ = same_as_metrics(places.street, period)
    for community in places.communities:
        same_as_metrics(community, period)
    chosen = RequestRollup.objects.filter(s.rollup_span_q(period))
    assert chosen.filter(span="m").exists()  # whole months come from month rows…
    assert chosen.filter(span="m").count() < chosen.model.objects.filter(span="d").count()
    in_period = RequestFact.objects.filter(day__gte=period.since, day__lte=period.until).count()
    assert chosen.aggregate(n=Sum("received"))["n"] == in_period == total.received  # …each fact once
    board = s.dashboard_figures(places.street, period)
    assert board.trend_unit == "month"
    assert sum(p.received for p in board.trend) == total.received
    for point in board.trend:
        assert point.received == RequestFact.objects.filter(day__gte=point.since, day__lte=point.until).count()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index and its plan are PostgreSQL's")
@pytest.mark.parametrize("days", [30, 364])
def test_a_node_reads_its_period_as_a_range_of_the_street_led_index(year_of_history, places, days):
    # The day bounds must be index conditions after the street's equality: as a filter inside a range
    # of buckets they walked the node's whole history (docs/scaling.md, session 7).
    today = timezone.localdate()
    period = s.Period(today - dt.timedelta(days=days), today)
    # (The district's streets are `= ANY(ARRAY(SELECT …))`: an index condition at scale, as EXPLAIN on the
    # 1M database shows in docs/scaling.md; on a test's few rows the planner rightly prefers a filter.)
    for node in (places.street, places.communities[0]):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # a few hundred rows: make the choice among indexes
            sql, params = s._base(node, period).values_list("received").query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        lines = plan.splitlines()
        scans = [i for i, line in enumerate(lines) if "rollup_span_street_day" in line]
        assert scans, plan
        for i in scans:  # each scan of the index (one per span read) bounds the street and the days
            condition = next(line for line in lines[i + 1 :] if "Index Cond" in line)
            assert "substring" in condition and "day >=" in condition, plan


def test_a_quarter_or_shorter_reads_day_rows_only(places):
    today = timezone.localdate()
    q = s.rollup_span_q(s.Period(today - dt.timedelta(days=91), today))
    assert "'m'" not in str(RequestRollup.objects.filter(q).query)


def test_an_event_on_an_old_request_moves_its_day_row_and_its_month_row(year_of_history, users, places):
    long_ago = timezone.now() - dt.timedelta(days=60)
    old = Ticket.objects.filter(status="accepted", submitted_at__lt=long_ago).order_by("id").first()
    community = old.place_path[: 3 * Place.steplen]
    master = (
        Ticket.objects.filter(place_path__startswith=community, status__in=["accepted", "resolved", "rated"])
        .exclude(pk=old.pk)
        .order_by("id")
        .first()
    )
    valid_before = RequestRollup.objects.filter(span="m").aggregate(n=Sum("valid"))["n"]
    tr.ticket_merge(actor=users["admin"], ticket_id=old.pk, master_id=master.pk, note="同一问题")
    assert RequestRollup.objects.filter(span="m").aggregate(n=Sum("valid"))["n"] == valid_before - 1
    assert rollups.differences() == []


def test_check_rollups_finds_a_tampered_month_row(year_of_history, capsys):
    row = RequestRollup.objects.filter(span="m").order_by("id").first()
    RequestRollup.objects.filter(pk=row.pk).update(received=row.received + 1)
    with pytest.raises(Exception, match="differences"):
        call_command("check_rollups")


def count_on(html: str) -> int:
    return int(re.search(r'id="list-count">(\d+)<', html).group(1))


def test_every_dashboard_figure_equals_the_count_of_its_list(history, places, client_as):
    client = client_as("street")
    board = s.dashboard_figures(places.street, history)
    q = f"node={places.street.pk}&since={history.since}&until={history.until}"
    url = reverse("insights:requests")
    for name in s.FIGURE_LISTS:
        expected = getattr(board.totals, name, None)
        if expected is None:  # complements of the rates
            num, den, _, _ = next(v for v in s.RATES.values() if v[2] == name)
            expected = getattr(board.totals, den) - getattr(board.totals, num)
        page = client.get(f"{url}?{q}&figure={name}")
        assert page.status_code == 200
        assert count_on(page.content.decode()) == expected, name
    for c in board.categories:
        assert count_on(client.get(f"{url}?{q}&category={c.key}").content.decode()) == c.received
    for c in board.sources:
        assert count_on(client.get(f"{url}?{q}&source={c.key}").content.decode()) == c.received
    for b in board.children:
        qc = f"node={b.place.pk}&since={history.since}&until={history.until}"
        assert count_on(client.get(f"{url}?{qc}&figure=unsatisfied").content.decode()) == b.figures.unsatisfied
    for p in board.trend:
        qp = f"node={places.street.pk}&since={p.since}&until={p.until}"
        assert count_on(client.get(f"{url}?{qp}").content.decode()) == p.received
    overdue = client.get(f"{url}?{q}&overdue=1").content.decode()
    assert count_on(overdue) == board.overdue_now == sum(1 for t in Ticket.objects.all() if t.is_overdue)


def test_the_dashboard_shows_figures_that_link_to_their_lists(history, places, client_as):
    page = client_as("street").get(reverse("insights:dashboard"))
    html = page.content.decode()
    assert page.status_code == 200
    board = s.dashboard_figures(places.street, periods.default_period())
    assert f'data-figure="received" href="/insights/requests/?node={places.street.pk}' in html
    assert f"<b>{board.totals.received}</b>" in html
    assert 'data-figure="satisfaction_rate" href="/insights/figures/satisfaction_rate/' in html
    for forbidden in ("<script>", " onclick=", ' style="'):
        assert forbidden not in html


def test_the_satisfaction_breakdown_links_each_community_to_its_unsatisfied_requests(history, places, client_as):
    client = client_as("street")
    q = f"node={places.street.pk}&since={history.since}&until={history.until}"
    html = client.get(f"{reverse('insights:figure', args=['satisfaction_rate'])}?{q}").content.decode()
    board = s.dashboard_figures(places.street, history)
    for b in board.children:
        link = re.search(rf'<a href="([^"]+)" data-miss="{b.place.pk}">(\d+)</a>', html)
        assert int(link.group(2)) == b.figures.unsatisfied
        listed = client.get(link.group(1).replace("&amp;", "&")).content.decode()
        assert count_on(listed) == b.figures.unsatisfied


def test_rankings_leave_out_units_with_too_few_requests(history, places, settings):
    board = s.dashboard_figures(places.street, history)
    assert {b.place.pk for b in board.ranking} == {b.place.pk for b in board.children if b.figures.received >= 5}
    settings.INSIGHTS_MIN_REQUESTS_FOR_RANKING = 10_000
    assert s.dashboard_figures(places.street, history).ranking == []


def test_a_grid_worker_and_a_resident_see_no_dashboard(client_as, places):
    for who in ("grid", "resident"):
        client = client_as(who)
        assert client.get(reverse("insights:dashboard")).status_code == 404
        assert client.get(f"{reverse('insights:requests')}?node={places.first_grid.pk}").status_code == 404
        assert client.get(f"{reverse('insights:map_data')}?node={places.street.pk}").status_code == 404


def test_a_community_worker_cannot_see_another_communitys_figures_lists_or_map(client_as, places, users):
    client = client_as("community")
    other = places.other_community.pk
    for url in ("insights:dashboard", "insights:requests", "insights:map", "insights:map_data", "insights:export"):
        assert client.get(f"{reverse(url)}?node={other}").status_code == 404, url
    assert client.get(f"{reverse('insights:records', args=['wishes_collected'])}?node={other}").status_code == 404
    with pytest.raises(NotFound):
        s.dashboard_node(users["community"], other)
    assert client.get(f"{reverse('insights:dashboard')}?node=abc").status_code == 404


def test_bad_dates_are_refused_with_the_field(client_as):
    page = client_as("street").get(f"{reverse('insights:dashboard')}?since=2026-13-01")
    assert page.status_code == 422
    page = client_as("street").get(f"{reverse('insights:dashboard')}?since=2026-03-01&until=2026-02-01")
    assert page.status_code == 422
    page = client_as("street").get(f"{reverse('insights:requests')}?figure=nonsense")
    assert page.status_code == 422


def test_the_dashboard_query_count_does_not_grow_with_rows(places, client_as, django_assert_max_num_queries):
    from linli.tickets.demo import build_demo_tickets

    client = client_as("street")
    build_demo_tickets(random.Random(1), count=20, days=30)
    rollups.rebuild()
    # 40 for the page as it was in session 18; session 19 cut six (count_together) and added the rota's and the
    # grants' tiles (six); 党建引领成效 added two (claims by post category, funds granted: 34 → 36 statements, the
    # module figures 11 → 13, test_insights_outcomes): the cap stays, the real check is the next one — no growth.
    with django_assert_max_num_queries(40) as small:
        assert client.get(reverse("insights:dashboard")).status_code == 200
    build_demo_tickets(random.Random(2), count=300, days=30)
    rollups.rebuild()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("insights:dashboard")).status_code == 200
    for url in ("insights:requests", "insights:map_data", "insights:screen"):
        with django_assert_max_num_queries(40):
            assert client.get(reverse(url)).status_code == 200


def test_module_figures_equal_their_record_lists(places, client_as, users):
    from linli.volunteering.models import Wish, WishStatus

    client = client_as("street")
    period = periods.default_period()
    board = s.dashboard_figures(places.street, period)
    q = f"node={places.street.pk}&since={period.since}&until={period.until}"
    for kind in drilldown.RECORD_LISTS:
        html = client.get(f"{reverse('insights:records', args=[kind])}?{q}").content.decode()
        expected = {
            "visits": board.modules.visits,
            "activities": board.modules.activities,
            "wishes_collected": board.modules.wishes_collected,
            "wishes_fulfilled": board.modules.wishes_fulfilled,
            "mediation_closed": board.modules.mediation_closed,
            "mediation_success": board.modules.mediation_success,
            "joint_decisions_done": board.modules.joint_decisions_done,
            "post_claims": board.modules.post_claims,
            "orders_resolved": board.modules.orders_resolved,
            "problems_listed": board.modules.problems_listed,
            "problems_signed_off": board.modules.problems_signed_off,
        }.get(kind)
        if expected is not None:
            assert count_on(html) == expected, kind
    assert (
        board.modules.wishes_collected
        == Wish.objects.filter(
            place_path__startswith=places.street.path,
            submitted_at__gte=periods.period_bounds(period)[0],
            submitted_at__lt=periods.period_bounds(period)[1],
        )
        .exclude(status=WishStatus.REJECTED)
        .count()
    )


def test_the_big_screen_refreshes_itself_from_a_static_script(client_as):
    html = client_as("street").get(f"{reverse('insights:screen')}?refresh=30").content.decode()
    assert 'data-refresh-seconds="30"' in html
    assert "insights/screen.js" in html and "<script>" not in html and ' style="' not in html


def test_map_data_colours_areas_by_overdue_and_gives_points(places, users, client_as):
    t, _ = ticket_submit(actor=users["resident"], description="路面破损,老人容易摔倒")
    Ticket.objects.filter(pk=t.pk).update(resolve_due=timezone.now() - dt.timedelta(days=1))
    data = client_as("street").get(f"{reverse('insights:map_data')}?figure=overdue").json()
    values = {f["properties"]["id"]: f["properties"]["value"] for f in data["areas"]["features"]}
    assert data["figure"] == "overdue" and values
    compound = next(p for p in places.compounds if t.place_path.startswith(p.path))
    assert values[compound.pk] == 1
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in data["areas"]["features"])
    assert [p[0] for p in data["points"]] == [t.pk]
    page = client_as("street").get(f"{reverse('insights:map')}?figure=overdue").content.decode()
    assert 'data-figure="overdue"' in page and "vendor/leaflet/leaflet.js" in page and "<script>" not in page


def test_map_areas_received_and_satisfaction_equal_the_event_fold_of_each_area(history, places, client_as):
    url = f"{reverse('insights:map_data')}?since={history.since}&until={history.until}"
    received = client_as("street").get(url + "&figure=received").json()["areas"]["features"]
    satisfaction = client_as("street").get(url + "&figure=satisfaction").json()["areas"]["features"]
    rates = {f["properties"]["id"]: f["properties"]["value"] for f in satisfaction}
    assert received
    for feature in received:
        area = Place.objects.get(pk=feature["properties"]["id"])
        total, _ = metrics.compute(area, history.since, history.until)
        assert feature["properties"]["value"] == total.received, area.name
        assert rates[area.pk] == total.satisfaction_rate, area.name


def test_moving_a_compound_to_another_community_moves_its_figures_with_no_drift(history, places, users):
    from linli.places.services import place_move

    compound = places.compounds[0]
    old_home = next(c for c in places.communities if compound.path.startswith(c.path))
    new_home = next(c for c in places.communities if c.pk != old_home.pk)
    moving = s.request_figures(compound, history).received
    before_old = s.request_figures(old_home, history).received
    before_new = s.request_figures(new_home, history).received
    assert moving > 0
    place_move(actor=users["admin"], node=compound, new_parent=new_home)
    assert rollups.differences() == []
    assert s.request_figures(old_home, history).received == before_old - moving
    assert s.request_figures(new_home, history).received == before_new + moving
    board = s.dashboard_figures(places.street, history)
    by_path = {b.place.path: b.figures.received for b in board.children}
    new_home.refresh_from_db()
    assert by_path[new_home.path] == before_new + moving
    same_as_metrics(new_home, history)


def test_moving_a_building_to_another_grid_moves_its_requests_between_rollup_buckets(users, places):
    from linli.places.models import Place
    from linli.places.services import place_move

    period = s.Period(timezone.localdate(), timezone.localdate())
    building = next(b for b in places.buildings if b.path.startswith(places.first_grid.path))
    target = next(g for g in places.grids if g.pk != places.first_grid.pk)
    for text in ("单元门禁坏了", "楼道堆放杂物", "下水道返味"):
        ticket_submit(actor=users["community"], description=text, place_id=building.pk, source="phone")
    assert s.request_figures(places.first_grid, period).received >= 3
    target_before = s.request_figures(target, period).received
    place_move(actor=users["admin"], node=building, new_parent=target)
    assert rollups.differences() == []
    target.refresh_from_db()
    assert s.request_figures(Place.objects.get(pk=target.pk), period).received == target_before + 3


def test_correcting_a_category_moves_the_request_between_dashboard_categories_with_no_drift(users, places):
    from linli.tickets.models import Category

    period = s.Period(timezone.localdate(), timezone.localdate())
    water_top = Category.objects.create(name="供水")
    water = Category.objects.create(parent=water_top, level=2, name="停水")
    road_top = Category.objects.create(name="道路")
    road = Category.objects.create(parent=road_top, level=2, name="路面破损")
    t, _ = ticket_submit(actor=users["resident"], description="小区门口路面塌陷", category_id=water.pk)
    before = {c.key: c.received for c in s.dashboard_figures(places.street, period).categories}
    assert before == {str(water_top.pk): 1}
    tr.ticket_recategorise(actor=users["grid"], ticket_id=t.pk, category_id=road.pk, note="应为道路问题")
    after = {c.key: c.received for c in s.dashboard_figures(places.street, period).categories}
    assert after == {str(road_top.pk): 1}
    assert rollups.differences() == []
    call_command("check_rollups")
