"""党建引领成效: the seed figures the dashboards, the API and the work reports count from real records —
党群家访、议事协商等活动1685次 (seed 000); 联席会议…解决难题1800多个, 认领10类4万多个服务岗位,
接单解决“急难愁盼”问题3500多件, 居民问题清单980多个, 整合资金2000多万元, 81名离退休党员,
70名书记进入社区班子, 10名书记获“两优一先” (seed 002); 174名党员 (seed 004).

Each figure is checked against rows counted by hand, with rows beside them that must not count: outside the node,
outside the period, of the wrong kind or status. Counts are taken as differences from the demo's own rows."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from linli.insights import drilldown, periods
from linli.insights import selectors as s
from linli.insights.modules import module_figures
from linli.insights.periods import Period
from linli.insights.reports import build_content
from linli.orgs.models import PartyOrg, PartyOrgKind
from linli.people.models import Person

pytestmark = pytest.mark.django_db


def figures(node: Any, period: Period | None = None) -> Any:
    return s.dashboard_figures(node, period or periods.default_period()).modules


def community_and_other(places: Any) -> tuple[Any, Any]:
    return places.communities[0], places.other_community


def branch_at(compound: Any) -> PartyOrg:
    return PartyOrg.objects.get(kind=PartyOrgKind.BRANCH, place=compound)


def compound_in(places: Any, community: Any) -> Any:
    return next(c for c in places.compounds if c.path.startswith(community.path))


def long_ago() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=60)


def test_party_visits_and_deliberation_add_up_the_visits_and_the_meetings_held(places, users):
    from linli.deliberation.models import Meeting, MeetingKind, MeetingStatus
    from linli.visits.models import Visit

    community, other = community_and_other(places)
    compound = compound_in(places, community)
    before = figures(community)
    now = timezone.now()
    for place, when in [(compound, now), (compound, long_ago()), (other, now)]:  # only the first counts
        Visit.objects.create(place=place, place_path=place.path, visitor=users["grid"], visited_at=when)
    for status, place, n in [(MeetingStatus.HELD, community, 1), (MeetingStatus.PLANNED, community, 2)]:
        Meeting.objects.create(
            place=place,
            place_path=place.path,
            kind=MeetingKind.COUNCIL,
            title=f"议事会{n}",
            location="活动室",
            starts_at=now,
            status=status,
            checkin_token=f"tok-visits-{n}",
        )
    m = figures(community)
    assert (m.visits - before.visits, m.meetings_held - before.meetings_held) == (1, 1)
    assert m.visits_and_meetings - before.visits_and_meetings == 2
    assert m.visits_and_meetings == m.visits + m.meetings_held


def test_decisions_of_joint_meetings_count_once_carried_out_in_the_period_under_the_node(places, users):
    from linli.deliberation.models import Decision, DecisionStatus, Meeting, MeetingKind, MeetingStatus

    community, other = community_and_other(places)
    compound = compound_in(places, community)
    before = figures(community).joint_decisions_done
    now = timezone.now()

    def meeting(place: Any, kind: str, token: str) -> Meeting:
        return Meeting.objects.create(
            place=place,
            place_path=place.path,
            kind=kind,
            title="小区治理联席会议",
            location="红色驿站",
            starts_at=now - dt.timedelta(days=90),  # the meeting's own date does not matter, the decision's does
            status=MeetingStatus.HELD,
            checkin_token=token,
        )

    joint, council = meeting(compound, MeetingKind.JOINT, "tok-joint"), meeting(compound, MeetingKind.COUNCIL, "tok-c")
    elsewhere = meeting(other, MeetingKind.JOINT, "tok-other")
    for m, status, done_at, text in [
        (joint, DecisionStatus.DONE, now, "疏通下水管道"),  # counts
        (joint, DecisionStatus.DONE, now - dt.timedelta(hours=1), "规范充电桩"),  # counts
        (joint, DecisionStatus.DONE, long_ago(), "拆除违建"),  # carried out before the period
        (joint, DecisionStatus.PUBLISHED, None, "增设车位"),  # still being carried out
        (joint, DecisionStatus.DRAFT, None, "草拟事项"),
        (council, DecisionStatus.DONE, now, "议事会决定"),  # not a 联席会议
        (elsewhere, DecisionStatus.DONE, now, "别的社区的难题"),  # outside the node
    ]:
        Decision.objects.create(
            meeting=m, text=text, deadline=now.date(), status=status, done_at=done_at, responsible_person=None
        )
    assert figures(community).joint_decisions_done - before == 2
    listed = drilldown.records_behind(users["community"], community, periods.default_period(), "joint_decisions_done")
    texts = set(listed.values_list("text", flat=True))
    assert {"疏通下水管道", "规范充电桩"} <= texts
    assert not texts & {"拆除违建", "增设车位", "议事会决定", "别的社区的难题"}


def test_post_claims_count_by_the_day_the_member_claimed_with_the_categories_claimed(places, users, api_as):
    from linli.volunteering.models import PostCategory, PostClaim, ServicePost

    community, other = community_and_other(places)
    compound = compound_in(places, community)
    period = periods.default_period()
    before = figures(community, period)
    today = timezone.localdate()

    def post(place: Any, category: str, title: str) -> ServicePost:
        return ServicePost.objects.create(
            place=place,
            place_path=place.path,
            category=category,
            title=title,
            duties="每周两次",
            start_date=today - dt.timedelta(days=400),  # the post's own dates do not decide the claim's period
            end_date=today + dt.timedelta(days=30),
            slots=5,
        )

    guide, clean = post(compound, PostCategory.PARTY, "党建指导岗"), post(community, PostCategory.SANITATION, "保洁岗")
    far = post(other, PostCategory.SAFETY, "别处巡逻岗")
    people = list(Person.objects.filter(place_path__startswith=community.path).order_by("id")[:4])
    now = timezone.now()
    for p, person, when in [
        (guide, people[0], now),  # counts
        (guide, people[1], now - dt.timedelta(days=2)),  # counts
        (clean, people[0], now),  # counts
        (clean, people[2], long_ago()),  # claimed before the period
        (far, people[3], now),  # a post outside the node
    ]:
        PostClaim.objects.create(post=p, person=person, claimed_at=when)
    m = figures(community, period)
    assert m.post_claims - before.post_claims == 3
    gained = {c.key: c.claims for c in m.post_claims_by_category}
    had = {c.key: c.claims for c in before.post_claims_by_category}
    assert gained.get("party", 0) - had.get("party", 0) == 2
    assert gained.get("sanitation", 0) - had.get("sanitation", 0) == 1
    assert gained.get("safety", 0) == had.get("safety", 0)
    assert m.post_categories == len(gained) >= 2 and m.post_claims == sum(gained.values())
    assert [c.claims for c in m.post_claims_by_category] == sorted(gained.values(), reverse=True)
    assert next(c.label for c in m.post_claims_by_category if c.key == "party") == "党建工作指导岗"

    api = api_as("community").get(f"/api/v1/insights/dashboard?node={community.pk}").json()["modules"]
    assert (api["post_claims"], api["post_categories"]) == (m.post_claims, m.post_categories)
    assert {c["key"]: c["claims"] for c in api["post_claims_by_category"]} == gained
    listed = drilldown.records_behind(users["community"], community, period, "post_claims")
    assert listed.count() == m.post_claims


def order(users: Any, claimant: str, *, by: str = "grid", place_id: int | None = None, actor: str = "resident") -> Any:
    """A request taken from the order board: submitted, accepted, published and claimed by ``claimant``."""
    from linli.tickets import transitions as tr
    from linli.tickets.services import ticket_submit

    t, _ = ticket_submit(actor=users[actor], description="帮独居老人疏通下水道", place_id=place_id)
    tr.ticket_accept(actor=users[by], ticket_id=t.pk)
    tr.ticket_publish(actor=users[by], ticket_id=t.pk)
    tr.ticket_claim(actor=users[claimant], ticket_id=t.pk)
    return t


def test_order_board_requests_count_once_resolved_while_their_claimant_held_them(places, users, client_as):
    from linli.tickets import transitions as tr
    from linli.tickets.services import ticket_submit

    community, other = community_and_other(places)
    Person.objects.filter(pk=users["volunteer"].person_id).update(is_party_member=True)
    Person.objects.filter(pk=users["grid"].person_id).update(is_party_member=False)
    before = figures(community)
    today = timezone.localdate()
    yesterday = Period(today - dt.timedelta(days=30), today - dt.timedelta(days=1))  # resolved today: not in it
    before_yesterday = figures(community, yesterday).orders_resolved

    by_member = order(users, "volunteer")  # counts, and as a party member's
    tr.ticket_resolve(actor=users["volunteer"], ticket_id=by_member.pk, note="已疏通")
    by_staff_claim = order(users, "grid")  # counts, claimed by a worker who is not a party member
    tr.ticket_start(actor=users["grid"], ticket_id=by_staff_claim.pk)
    tr.ticket_resolve(actor=users["community"], ticket_id=by_staff_claim.pk, note="社区代为办结")
    reopened = order(users, "volunteer")  # resolved, rated unsatisfied and reopened: not resolved now
    tr.ticket_resolve(actor=users["volunteer"], ticket_id=reopened.pk, note="已处理")
    tr.ticket_rate(actor=users["resident"], ticket_id=reopened.pk, rating="unsatisfied", note="还是堵")
    tr.ticket_reopen(actor=users["street"], ticket_id=reopened.pk, note="重新办理")
    still_open = order(users, "volunteer")  # claimed, not resolved
    not_an_order, _ = ticket_submit(actor=users["resident"], description="楼道灯坏了")  # never on the board
    tr.ticket_accept(actor=users["grid"], ticket_id=not_an_order.pk)
    tr.ticket_assign(actor=users["grid"], ticket_id=not_an_order.pk, place_id=places.first_grid.pk)
    tr.ticket_resolve(actor=users["grid"], ticket_id=not_an_order.pk, note="已修好")
    outside = Person.objects.filter(place_path__startswith=other.path, household__isnull=False).first()
    elsewhere = order(users, "admin", by="admin", actor="admin", place_id=outside.place_id)  # outside the node
    tr.ticket_resolve(actor=users["admin"], ticket_id=elsewhere.pk, note="已办")

    m = figures(community)
    assert m.orders_resolved - before.orders_resolved == 2
    assert m.orders_resolved_by_members - before.orders_resolved_by_members == 1
    assert figures(community, yesterday).orders_resolved == before_yesterday

    listed = drilldown.records_behind(users["community"], community, periods.default_period(), "orders_resolved")
    ids = set(listed.values_list("pk", flat=True))
    assert {by_member.pk, by_staff_claim.pk} <= ids
    assert not ids & {reopened.pk, still_open.pk, not_an_order.pk, elsewhere.pk}
    page = client_as("community").get(reverse("insights:records", args=["orders_resolved"])).content.decode()
    assert "党员接单" in page and "非党员接单" in page


def test_the_problem_list_counts_items_listed_and_items_signed_off_in_the_period(places, users):
    from linli.tickets.models import ProblemItem, ProblemStatus

    community, other = community_and_other(places)
    before = figures(community)
    responsible = users["community"].person
    now = timezone.now()

    def item(place: Any, title: str, listed: dt.datetime, signed_off: dt.datetime | None) -> ProblemItem:
        row = ProblemItem.objects.create(
            community=place,
            place_path=place.path,
            title=title,
            responsible=responsible,
            due_date=timezone.localdate(),
            status=ProblemStatus.SIGNED_OFF if signed_off else ProblemStatus.OPEN,
            signed_off_at=signed_off,
            sign_off_note="已解决" if signed_off else "",
        )
        ProblemItem.objects.filter(pk=row.pk).update(created_at=listed)
        return row

    item(community, "车棚漏雨", now, None)  # listed in the period, open
    item(community, "电梯故障", now, now)  # listed and signed off in the period
    item(community, "垃圾清运", long_ago(), now)  # listed before, signed off in the period
    item(community, "路灯不亮", long_ago(), long_ago())  # both before the period
    item(other, "别处的问题", now, now)  # outside the node
    m = figures(community)
    assert m.problems_listed - before.problems_listed == 2
    assert m.problems_signed_off - before.problems_signed_off == 2
    period = periods.default_period()
    for kind in ("problems_listed", "problems_signed_off"):
        assert drilldown.records_behind(users["community"], community, period, kind).count() == getattr(m, kind)
    assert figures(compound_in(places, community)).problems_listed == 0  # items belong to the community


def test_party_members_now_are_the_current_memberships_of_branches_under_the_node(places, users):
    from linli.partylife.models import Employment, Membership
    from linli.partylife.selectors import branch_figures

    community, other = community_and_other(places)
    here, there = branch_at(compound_in(places, community)), branch_at(compound_in(places, other))
    before = figures(community)
    free = Person.objects.exclude(pk__in=Membership.objects.filter(left_on__isnull=True).values("person_id"))
    people = list(free.order_by("id")[:4])
    today = timezone.localdate()
    for person, branch, employment, left_on in [
        (people[0], here, Employment.RETIRED, None),  # counts, retired
        (people[1], here, Employment.IN_SERVICE, None),  # counts
        (people[2], here, Employment.RETIRED, today),  # transferred out: not a member now
        (people[3], there, Employment.RETIRED, None),  # a branch outside the node
    ]:
        Membership.objects.create(
            person=person,
            branch=branch,
            org_path=branch.path,
            employment=employment,
            joined_on=today - dt.timedelta(days=400),
            left_on=left_on,
        )
    m = figures(community)
    assert m.party_members - before.party_members == 2
    assert m.retired_party_members - before.retired_party_members == 1
    assert figures(places.street).party_members >= m.party_members + 1
    # The dashboard counts the members the branch figures count, branch by branch.
    branches = list(PartyOrg.objects.filter(kind=PartyOrgKind.BRANCH, place_path__startswith=community.path))
    counted = sum(f.members for f in branch_figures(branches, today, today))
    in_branches = Membership.objects.filter(left_on__isnull=True, branch__in=branches).count()
    assert counted == in_branches and m.party_members >= counted


def test_secretaries_in_the_community_committee_and_recognitions_count_by_node_term_and_year(places, users):
    from linli.partylife.models import Recognition, RecognitionKind, RecognitionLevel, SecretaryRecord

    community, other = community_and_other(places)
    here, there = branch_at(compound_in(places, community)), branch_at(compound_in(places, other))
    committee = PartyOrg.objects.get(kind=PartyOrgKind.COMMITTEE, place=community)
    year = timezone.localdate().year - 1
    period = Period(dt.date(year, 3, 1), dt.date(year, 4, 30))  # part of last year: recognitions have a year
    before = figures(community, period)
    people = list(Person.objects.filter(place_path__startswith=community.path).order_by("-id")[:5])
    today = timezone.localdate()

    def filed(person: Any, branch: PartyOrg, *, in_committee: bool, ends: dt.date) -> None:
        SecretaryRecord.objects.create(
            person=person,
            branch=branch,
            org_path=branch.path,
            filed_on=today - dt.timedelta(days=700),
            filed_with=committee,
            term_start=today - dt.timedelta(days=700),
            term_end=ends,
            in_community_committee=in_committee,
        )

    later = today + dt.timedelta(days=300)
    filed(people[0], here, in_committee=True, ends=later)  # counts
    filed(people[0], here, in_committee=True, ends=later)  # the same person filed twice: once
    filed(people[1], here, in_committee=True, ends=today - dt.timedelta(days=1))  # term over
    filed(people[2], here, in_committee=False, ends=later)  # not on the 两委
    filed(people[3], there, in_committee=True, ends=later)  # a branch outside the node

    def recognised(person: Any | None, org: PartyOrg, year: int) -> None:
        Recognition.objects.create(
            kind=RecognitionKind.MEMBER if person else RecognitionKind.ORG,
            person=person,
            org=org,
            org_path=org.path,
            year=year,
            level=RecognitionLevel.CITY,
        )

    recognised(people[0], here, year)  # counts, a filed secretary
    recognised(people[4], here, year)  # counts, not a secretary
    recognised(None, here, year)  # counts, the branch itself
    recognised(people[1], here, year - 1)  # another year
    recognised(people[3], there, year)  # outside the node

    m = figures(community, period)
    assert m.secretaries_in_committee - before.secretaries_in_committee == 1
    assert m.recognitions - before.recognitions == 3
    assert m.secretaries_recognised - before.secretaries_recognised == 1
    assert figures(community, Period(dt.date(year - 1, 12, 1), dt.date(year, 1, 31))).recognitions >= 4  # two years


def test_funds_granted_sum_the_grants_dated_in_the_period_to_funds_under_the_node(places, users):
    from linli.cobuilding.models import Fund, FundEntry, FundEntryKind, FundHolder

    community, other = community_and_other(places)
    period = periods.default_period()
    before = figures(community, period)

    def fund(under: Any) -> Fund:
        place = next(
            g
            for g in places.grids
            if g.path.startswith(under.path) and not Fund.objects.filter(place=g, holder=FundHolder.STATION).exists()
        )
        return Fund.objects.create(name="驿站经费", holder=FundHolder.STATION, place=place, place_path=place.path)

    here, there = fund(community), fund(other)
    recorder = users["community"]
    today = timezone.localdate()
    for f, kind, amount, day in [
        (here, FundEntryKind.STARTUP, "3000.00", today),  # counts
        (here, FundEntryKind.ANNUAL, "2000.50", period.since),  # counts, on the period's first day
        (here, FundEntryKind.OTHER_GRANT, "999.00", period.since - dt.timedelta(days=1)),  # the day before
        (here, FundEntryKind.SPEND, "-500.00", today),  # spending is not money brought in
        (there, FundEntryKind.STARTUP, "3000.00", today),  # a fund outside the node
    ]:
        spend = kind == FundEntryKind.SPEND
        FundEntry.objects.create(
            fund=f,
            kind=kind,
            amount=Decimal(amount),
            on_date=day,
            note="拨付",
            receipt_number="NO.1" if spend else "",
            approver=recorder if spend else None,
            recorded_by=recorder,
        )
    m = figures(community, period)
    assert m.funds_granted_fen - before.funds_granted_fen == 500050
    listed = drilldown.records_behind(users["community"], community, period, "funds_granted")
    assert sum(e.amount for e in listed) * 100 == m.funds_granted_fen


def test_the_dashboard_the_api_and_the_report_show_the_party_building_outcomes(
    places, users, client_as, api_as, settings, tmp_path, django_capture_on_commit_callbacks
):
    from openpyxl import load_workbook

    from linli.insights import services
    from linli.insights.models import ReportStatus

    settings.MEDIA_ROOT = tmp_path
    period = periods.last_month()
    m = s.dashboard_figures(places.street, period).modules
    q = f"node={places.street.pk}&since={period.since}&until={period.until}"
    html = client_as("street").get(f"{reverse('insights:dashboard')}?{q}").content.decode()
    assert 'id="outcomes"' in html and "党建引领成效" in html
    for name in (
        "visits_and_meetings",
        "joint_decisions_done",
        "post_claims",
        "orders_resolved_by_members",
        "problems_listed",
        "problems_signed_off",
        "funds_granted",
        "recognitions",
        "party_members",
        "secretaries_in_committee",
    ):
        assert f'data-figure="{name}"' in html, name
    modules = api_as("street").get(f"/api/v1/insights/dashboard?{q}").json()["modules"]
    for name in ("visits_and_meetings", "joint_decisions_done", "orders_resolved", "problems_listed", "party_members"):
        assert modules[name] == getattr(m, name), name
    assert modules["funds_granted_fen"] == m.funds_granted_fen

    content = build_content(places.street, period, "月度工作报告")
    text = "".join(content.sentences)
    assert f"累计开展党群家访、议事协商等活动{m.visits_and_meetings}次" in text
    assert f"联席会议推动解决难题{m.joint_decisions_done}个" in text
    assert f"辖区党支部有党员{m.party_members}名,其中离退休党员{m.retired_party_members}名" in text
    assert content.figures["orders_resolved_by_members"] == m.orders_resolved_by_members
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(
            actor=users["street"],
            node_id=places.street.pk,
            period_kind="month",
            year=period.since.year,
            number=period.since.month,
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE, report.error
    assert report.figures["problems_signed_off"] == m.problems_signed_off
    book = load_workbook(io.BytesIO(report.xlsx.read()))
    main = {row[0]: row[1] for row in book["主要指标"].iter_rows(values_only=True)}
    assert main["党员(名)"] == m.party_members and main["认领服务岗位(个)"] == m.post_claims
    assert "服务岗位认领(按类别)" in book.sheetnames


OUTCOME_LISTS = [
    "joint_decisions_done",
    "post_claims",
    "orders_resolved",
    "problems_listed",
    "problems_signed_off",
    "funds_granted",
]


@pytest.mark.parametrize("kind", OUTCOME_LISTS)
def test_the_lists_behind_the_outcomes_are_refused_outside_the_dashboard_scope(places, client_as, kind):
    url = reverse("insights:records", args=[kind])
    assert client_as("grid").get(url).status_code == 404
    assert client_as("community").get(f"{url}?node={places.other_community.pk}").status_code == 404
    assert client_as("community").get(url).status_code == 200


def test_the_module_figures_take_thirteen_statements_whatever_the_node(places):
    """Eleven before the outcomes; the counts of 党建引领成效 and the party membership ride in the one
    ``count_together`` statement, and the claims by category and the fund sum add one each."""
    for node in (places.street, places.communities[0], places.first_grid):
        with CaptureQueriesContext(connection) as ctx:
            module_figures(node, periods.default_period())
        assert len(ctx) == 13, [q["sql"][:120] for q in ctx.captured_queries]


def test_the_big_screen_shows_the_same_outcomes_as_the_dashboard(places, users, client_as):
    import re

    from linli.grants.money import wan
    from linli.visits.models import Visit

    compound = places.compounds[0]
    Visit.objects.create(place=compound, place_path=compound.path, visitor=users["grid"], visited_at=timezone.now())
    m = figures(places.street)
    assert m.visits_and_meetings > 0
    html = client_as("street").get(f"{reverse('insights:screen')}?node={places.street.pk}").content.decode()
    section = html[html.index('id="screen-outcomes"') :]
    shown = dict(re.findall(r'data-figure="(\w+)"><b>([^<]+)</b>', section))
    assert shown == {
        "visits_and_meetings": str(m.visits_and_meetings),
        "joint_decisions_done": str(m.joint_decisions_done),
        "post_claims": str(m.post_claims),
        "orders_resolved_by_members": str(m.orders_resolved_by_members),
        "problems_signed_off": f"{m.problems_signed_off}/{m.problems_listed}",
        "funds_granted": wan(m.funds_granted_fen),
    }
