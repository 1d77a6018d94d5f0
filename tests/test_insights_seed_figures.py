"""Figures the seeds quote that the dashboards and work reports must produce from real records:
小区党组织全覆盖 and 楼栋党小组 (seed 000: 全街43个小区党组织实现全覆盖,建成楼栋党小组328个) and
micro-wishes collected / fulfilled (seed 001: 共收集群众微心愿2132个、实现1803个), counted one way
everywhere; 议事协商 meetings held (seed 001: 屋场恳谈会440次; seed 002: 联席会议)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from linli.insights import drilldown, periods, services
from linli.insights import selectors as s
from linli.insights.models import ReportStatus
from linli.insights.reports import build_content, pct
from linli.orgs.models import PartyOrg, PartyOrgKind
from linli.people.models import Person
from linli.volunteering import wishes as w

pytestmark = pytest.mark.django_db


def branch_of(compound):
    return PartyOrg.objects.get(kind=PartyOrgKind.BRANCH, place=compound)


def test_every_demo_compound_has_its_branch_and_the_dashboard_says_full_coverage_with_the_party_groups(places):
    m = s.dashboard_figures(places.street, periods.default_period()).modules
    under = PartyOrg.objects.filter(place_path__startswith=places.street.path)
    assert m.compounds == len(places.compounds) == m.compounds_with_party_org > 0
    assert m.party_org_coverage == 1.0
    assert m.party_groups == under.filter(kind=PartyOrgKind.GROUP).count() == len(places.buildings)
    assert m.center_households == under.filter(kind=PartyOrgKind.CENTER_HOUSEHOLD).count() > 0


def test_a_compound_covered_only_by_party_groups_is_not_covered_until_a_branch_sits_at_or_inside_it(places):
    compound = places.compounds[0]
    community = next(c for c in places.communities if compound.path.startswith(c.path))
    # Its branch is re-formed jointly at the community (联合组建): the building groups stay inside the compound.
    PartyOrg.objects.filter(pk=branch_of(compound).pk).update(place=community, place_path=community.path)
    m = s.dashboard_figures(places.street, periods.default_period()).modules
    assert (m.compounds_with_party_org, m.compounds) == (len(places.compounds) - 1, len(places.compounds))
    assert m.party_org_coverage == round((len(places.compounds) - 1) / len(places.compounds), 4)
    assert s.dashboard_figures(compound, periods.default_period()).modules.party_org_coverage == 0.0

    grid = next(g for g in places.grids if g.path.startswith(compound.path))
    committee = PartyOrg.objects.get(kind=PartyOrgKind.COMMITTEE, place=community)
    PartyOrg.objects.add_child(
        committee,
        create_kwargs={"kind": PartyOrgKind.BRANCH, "name": "网格党支部(测试)", "place": grid, "place_path": grid.path},
    )
    assert s.dashboard_figures(places.street, periods.default_period()).modules.party_org_coverage == 1.0


def test_the_dashboard_page_the_api_and_the_report_give_the_same_party_organisation_figures(
    places, users, client_as, api_as, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    period = periods.last_month()
    m = s.dashboard_figures(places.street, period).modules
    q = f"node={places.street.pk}&since={period.since}&until={period.until}"
    html = client_as("street").get(f"{reverse('insights:dashboard')}?{q}").content.decode()
    assert f"({m.compounds_with_party_org}/{m.compounds})" in html and 'data-figure="party_groups"' in html
    modules = api_as("street").get(f"/api/v1/insights/dashboard?{q}").json()["modules"]
    assert (modules["compounds"], modules["compounds_with_party_org"]) == (m.compounds, m.compounds_with_party_org)
    assert (modules["party_groups"], modules["center_households"]) == (m.party_groups, m.center_households)
    assert modules["party_org_coverage"] == m.party_org_coverage == 1.0

    content = build_content(places.street, period, "月度工作报告")
    assert (
        f"共有小区{m.compounds}个,其中{m.compounds_with_party_org}个建有小区党组织"
        f"(小区党组织覆盖率{pct(m.party_org_coverage)});建成党小组{m.party_groups}个" in content.sentences[0]
    )
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
    assert report.figures["party_groups"] == m.party_groups
    assert report.figures["party_org_coverage"] == m.party_org_coverage
    from openpyxl import load_workbook

    main = {
        row[0]: row[1] for row in load_workbook(io.BytesIO(report.xlsx.read()))["主要指标"].iter_rows(values_only=True)
    }
    assert main["党小组(个)"] == m.party_groups and main["小区党组织覆盖率"] == pct(m.party_org_coverage)


def test_a_wish_turned_down_at_review_is_collected_neither_on_the_dashboard_nor_on_the_wish_pages(
    places, users, api_as
):
    staff = users["community"]
    community = places.communities[0]
    resident = Person.objects.filter(place_path__startswith=community.path, household__isnull=False).first()
    period = periods.default_period()
    start, end = periods.period_bounds(period)
    before = s.dashboard_figures(community, period).modules.wishes_collected
    kept = w.wish_submit(actor=staff, title="想要一副老花镜", wisher_id=resident.pk)
    refused = w.wish_submit(actor=staff, title="想要一部新手机", wisher_id=resident.pk)
    w.wish_review(actor=staff, wish_id=kept.pk, approve=True)
    w.wish_review(actor=staff, wish_id=refused.pk, approve=False, note="超出微心愿范围")

    board = s.dashboard_figures(community, period)
    assert board.modules.wishes_collected == before + 1
    counts = w.wish_counts(user=staff, path=community.path, start=start, end=end)
    assert counts.collected == board.modules.wishes_collected
    assert counts.fulfilled == board.modules.wishes_fulfilled
    listed = drilldown.records_behind(staff, community, period, "wishes_collected")
    assert listed.count() == board.modules.wishes_collected
    assert listed.filter(pk=kept.pk).exists() and not listed.filter(pk=refused.pk).exists()
    api = api_as("community").get(
        f"/api/v1/volunteering/wishes/counts?place_id={community.pk}&start={period.since}&end={period.until}"
    )
    assert api.status_code == 200 and api.json()["collected"] == board.modules.wishes_collected


def test_meetings_count_once_their_minutes_say_they_were_held_and_the_list_behind_the_figure_shows_them(
    places, users, client_as
):
    import datetime as dt

    from django.utils import timezone

    from linli.deliberation.models import MeetingKind
    from linli.deliberation.services_meetings import meeting_plan, meeting_record_minutes

    community = places.communities[0]
    period = periods.default_period()
    before = s.dashboard_figures(places.street, period).modules
    when = timezone.make_aware(dt.datetime.combine(period.until, dt.time(19, 0)))
    plans = [
        (MeetingKind.HEART_TO_HEART, "屋场恳谈会:加装电梯"),
        (MeetingKind.JOINT, "物业联席会议"),
        (MeetingKind.COUNCIL, "居民议事会"),
    ]
    held = [
        meeting_plan(actor=users["community"], place=community, kind=k, title=t, location="活动室", starts_at=when)
        for k, t in plans
    ]
    for meeting in held[:2]:
        meeting_record_minutes(actor=users["community"], meeting=meeting, minutes="议定事项……")

    m = s.dashboard_figures(places.street, period).modules
    assert m.meetings_held - before.meetings_held == 2  # the council is still planned
    assert m.heart_to_heart_meetings - before.heart_to_heart_meetings == 1
    assert m.joint_meetings - before.joint_meetings == 1
    page = client_as("street").get(reverse("insights:records", args=["meetings_held"])).content.decode()
    assert "屋场恳谈会:加装电梯" in page and "物业联席会议" in page and "居民议事会" not in page
    assert "召开议事协商会议" in "".join(build_content(places.street, period, "报告").sentences)


def test_service_forces_count_teams_stations_organisations_and_reported_members_and_their_services(
    places, users, client_as, api_as
):
    """Seed 003: 培育孵化社会组织41个, 169家…纳入大党委, 2800余名在职党员报到; seed 002: 报到服务9.5万多人次."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from linli.orgs.models import Organisation, OrganisationKind
    from linli.volunteering.models import (
        Activity,
        ActivityStatus,
        RegistrationStatus,
        Signup,
        SignupStatus,
        Station,
        Team,
        WorkplaceRegistration,
    )

    community, other = places.communities[0], places.communities[1]
    period = periods.default_period()
    before = s.dashboard_figures(community, period).modules
    Team.objects.create(place=community, place_path=community.path, name="保亮志愿服务队")
    Station.objects.create(place=community, place_path=community.path, name="红色驿站")
    Station.objects.create(place=other, place_path=other.path, name="别处的驿站")  # not under the community
    social = Organisation.objects.create(
        kind=OrganisationKind.SOCIAL_ORG, name="居家养老服务社", home=community, place_path=community.path
    )
    district_partner = Organisation.objects.create(  # registered above, serving the community: counted
        kind=OrganisationKind.PARTNER_UNIT, name="区医院", home=places.street, place_path=places.street.path
    )
    district_partner.serves.add(community, *places.compounds[:1])  # serving two places: counted once
    assert social.pk and district_partner.pk

    people = list(Person.objects.filter(place_path__startswith=community.path).order_by("id")[:3])
    for person, status in zip(
        people, [RegistrationStatus.APPROVED, RegistrationStatus.APPROVED, "pending"], strict=True
    ):
        WorkplaceRegistration.objects.create(
            person=person, community=community, place_path=community.path, workplace_name="区卫健委", status=status
        )
    now = timezone.now()
    activity = Activity.objects.create(
        place=community,
        place_path=community.path,
        title="敬老院义诊",
        starts_at=now - dt.timedelta(hours=3),
        ends_at=now - dt.timedelta(hours=1),
        capacity=10,
        status=ActivityStatus.PUBLISHED,
    )
    for person, hours, confirmed in [(people[0], "2.0", now), (people[1], "1.5", None), (people[2], "2.0", now)]:
        Signup.objects.create(
            activity=activity,
            person=person,
            place_path=community.path,
            status=SignupStatus.SIGNED,
            hours=Decimal(hours),
            confirmed_at=confirmed,
        )

    m = s.dashboard_figures(community, period).modules
    assert m.volunteer_teams - before.volunteer_teams == 1
    assert m.stations - before.stations == 1
    assert m.social_organisations - before.social_organisations == 1
    assert m.partner_units - before.partner_units == 1
    assert m.reported_members - before.reported_members == 2  # the pending one is not reported yet
    # Only the approved member's confirmed service: unconfirmed hours and a pending registration count nowhere.
    assert m.reported_services - before.reported_services == 1
    assert m.reported_hours - before.reported_hours == 2.0

    html = client_as("community").get(reverse("insights:dashboard"), {"node": community.pk}).content.decode()
    assert 'data-figure="reported_services"' in html and "服务力量" in html
    rows = client_as("community").get(reverse("insights:records", args=["reported_services"]), {"node": community.pk})
    assert rows.status_code == 200 and "敬老院义诊" in rows.content.decode()
    modules = api_as("community").get(f"/api/v1/insights/dashboard?node={community.pk}").json()["modules"]
    assert (modules["reported_services"], modules["reported_hours"]) == (m.reported_services, m.reported_hours)
    assert (modules["social_organisations"], modules["partner_units"]) == (m.social_organisations, m.partner_units)
    content = build_content(community, period, "工作报告")
    said = f"在职党员到社区报到{m.reported_members}名,期内报到服务{m.reported_services}人次"
    assert said in "".join(content.sentences)
    assert content.figures["partner_units"] == m.partner_units
