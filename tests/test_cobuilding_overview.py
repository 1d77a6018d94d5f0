"""近邻党建 “1+3+N” 总览 (seed 002): each compound's party organisation, owners' committee, supervisory board and
property company; the committees' party and cross-appointment shares; the 党建指导员 a street sends to the property
companies; needs and micro-projects; the same numbers on the page, the API and the spreadsheet."""

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
from openpyxl import load_workbook

from linli.audit.models import AuditEvent
from linli.cobuilding import overview as ov
from linli.cobuilding import services_property as spr
from linli.cobuilding.models import (
    CommitteeMember,
    ListEntry,
    Need,
    NeedStatus,
    Project,
    ProjectStatus,
    PropertyContract,
)
from linli.core.errors import InvalidInput
from linli.insights.modules import COVERING_PARTY_ORGS
from linli.orgs.models import Organisation, OrganisationKind, PartyOrg
from linli.people.models import Person
from linli.places.models import Place, PlaceKind
from tests.test_cobuilding_world import build_world

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR_START = TODAY.replace(month=1, day=1)


@pytest.fixture
def world(users: dict[str, Any], places: Any) -> Any:
    return build_world(users, places)


def figures(node: Place, *, since: dt.date = YEAR_START, until: dt.date = TODAY) -> ov.NeighbourhoodFigures:
    return ov.neighbourhood_figures(node, since=since, until=until)


def residents_of(compound: Place, n: int, *, party: bool | None = None) -> list[Person]:
    people = Person.objects.filter(place_path__startswith=compound.path).order_by("id")
    if party is not None:
        people = people.filter(is_party_member=party)
    found = list(people[:n])
    assert len(found) == n, f"the demo compound has fewer than {n} such residents"
    return found


def committee(kind: str, compound: Place, name: str) -> Organisation:
    return Organisation.objects.create(kind=kind, name=name, home=compound, place_path=compound.path)


def seat(actor: Any, org: Organisation, person: Person, *, starts: dt.date, ends: dt.date, **cross: bool) -> None:
    spr.committee_member_add(
        actor=actor, committee=org, person=person, role="member", term_starts=starts, term_ends=ends, **cross
    )


def by_hand(node: Place, on: dt.date) -> dict[str, int]:
    """The four "1+3" counts computed compound by compound, the slow obvious way."""
    counts = dict(compounds=0, branch=0, owners=0, board=0, property=0, complete=0)
    for compound in Place.objects.filter(path__startswith=node.path, kind=PlaceKind.COMPOUND):
        branch = PartyOrg.objects.active().filter(place_path__startswith=compound.path, kind__in=COVERING_PARTY_ORGS)
        serving = CommitteeMember.objects.filter(
            organisation__place_path__startswith=compound.path, term_starts__lte=on, term_ends__gte=on
        )
        flags = {
            "branch": branch.exists(),
            "owners": serving.filter(organisation__kind=OrganisationKind.OWNERS_COMMITTEE).exists(),
            "board": serving.filter(organisation__kind=OrganisationKind.SUPERVISORY_BOARD).exists(),
            "property": PropertyContract.objects.filter(compound=compound, starts_on__lte=on, ends_on__gte=on).exists(),
        }
        counts["compounds"] += 1
        for name, present in flags.items():
            counts[name] += present
        counts["complete"] += all(flags.values())
    return counts


def test_the_totals_equal_a_compound_by_compound_count_and_the_parts_add_up(
    users: dict[str, Any], places: Any, world: Any
) -> None:
    board = committee(OrganisationKind.SUPERVISORY_BOARD, world.compound, "测试监事会")
    seat(
        users["street"],
        board,
        residents_of(world.compound, 1)[0],
        starts=YEAR_START,
        ends=TODAY.replace(year=TODAY.year + 3),
    )
    f = figures(places.street)
    hand = by_hand(places.street, TODAY)
    t = f.total
    assert (
        t.compounds,
        t.with_branch,
        t.with_owners_committee,
        t.with_supervisory_board,
        t.with_property,
        t.complete,
    ) == (
        hand["compounds"],
        hand["branch"],
        hand["owners"],
        hand["board"],
        hand["property"],
        hand["complete"],
    )
    assert t.compounds > 1 and t.with_property >= 1 and t.with_supervisory_board >= 1
    # Shares do not add, nor do people and companies that serve compounds of two communities.
    not_additive = {"instructors", "property_companies", "companies_with_party_org"}
    for name in ov.ROW_FIELDS:
        if name in not_additive or name.endswith(("_coverage", "_share")):
            continue
        assert sum(getattr(r, name) for r in f.rows) == getattr(t, name), name
    assert [r.path for r in f.rows] == sorted(c.path for c in places.communities)
    assert f.gaps_total == t.compounds - t.complete


def test_a_compound_with_all_of_one_plus_three_is_complete_and_leaves_the_work_list(
    users: dict[str, Any], places: Any, world: Any
) -> None:
    compound = world.compound
    if (
        not PartyOrg.objects.active()
        .filter(place_path__startswith=compound.path, kind__in=COVERING_PARTY_ORGS)
        .exists()
    ):
        pytest.skip("the demo compound has no branch")
    before = figures(places.street)
    assert compound.pk in {g.pk for g in before.gaps}
    gap = next(g for g in before.gaps if g.pk == compound.pk)
    assert "业委会" in gap.missing and "业主监事会" in gap.missing and "物业服务企业" not in gap.missing
    ends = TODAY.replace(year=TODAY.year + 3)
    owner, supervisor = residents_of(compound, 2)
    seat(users["street"], world.committee, owner, starts=YEAR_START, ends=ends)
    seat(
        users["street"],
        committee(OrganisationKind.SUPERVISORY_BOARD, compound, "测试监事会"),
        supervisor,
        starts=YEAR_START,
        ends=ends,
    )
    after = figures(places.street)
    assert after.total.complete == before.total.complete + 1
    assert after.total.with_owners_committee == before.total.with_owners_committee + 1
    assert compound.pk not in {g.pk for g in after.gaps}
    community = next(r for r in after.rows if compound.path.startswith(r.path))
    assert community.complete == next(r for r in before.rows if r.path == community.path).complete + 1


def test_a_finished_term_or_an_expired_contract_counts_only_up_to_its_last_day(
    users: dict[str, Any], places: Any, world: Any
) -> None:
    member = residents_of(world.compound, 1)[0]
    seat(users["street"], world.committee, member, starts=dt.date(2025, 1, 1), ends=dt.date(2025, 6, 30))
    on_last_day = figures(places.street, since=dt.date(2025, 1, 1), until=dt.date(2025, 6, 30))
    day_after = figures(places.street, since=dt.date(2025, 1, 1), until=dt.date(2025, 7, 1))
    assert on_last_day.total.with_owners_committee == day_after.total.with_owners_committee + 1
    assert on_last_day.total.committee_members == day_after.total.committee_members + 1
    # the world's contract runs 2025-01-01 to 2027-12-31
    assert figures(places.street, since=dt.date(2024, 1, 1), until=dt.date(2024, 12, 31)).total.with_property == (
        figures(places.street).total.with_property - 1
    )


def test_the_party_and_cross_appointment_shares_are_over_every_serving_owners_committee_member(
    users: dict[str, Any], places: Any, world: Any
) -> None:
    ends = TODAY.replace(year=TODAY.year + 3)
    before = figures(places.street).total
    party = residents_of(world.compound, 2, party=True)
    others = residents_of(world.compound, 2, party=False)
    seat(users["street"], world.committee, party[0], starts=YEAR_START, ends=ends, cross_branch=True)
    seat(
        users["street"],
        world.committee,
        party[1],
        starts=YEAR_START,
        ends=ends,
        cross_branch=True,
        cross_residents_committee=True,
    )
    seat(users["street"], world.committee, others[0], starts=YEAR_START, ends=ends)
    seat(users["street"], world.committee, others[1], starts=YEAR_START, ends=ends, cross_residents_committee=True)
    t = figures(places.street).total
    assert t.committee_members == before.committee_members + 4
    assert t.party_members == before.party_members + 2
    assert t.cross_appointed == before.cross_appointed + 3  # the member on both counts once
    if before.committee_members == 0:
        assert t.party_share == Decimal("0.5000") and t.party_share_met
        assert t.cross_share == Decimal("0.7500")


def test_a_supervisory_boards_members_are_not_counted_as_owners_committee_members(
    users: dict[str, Any], places: Any, world: Any
) -> None:
    before = figures(places.street).total
    board = committee(OrganisationKind.SUPERVISORY_BOARD, world.compound, "测试监事会")
    seat(
        users["street"],
        board,
        residents_of(world.compound, 1, party=True)[0],
        starts=YEAR_START,
        ends=TODAY,
        cross_branch=True,
    )
    t = figures(places.street).total
    assert (t.committee_members, t.party_members, t.cross_appointed) == (
        before.committee_members,
        before.party_members,
        before.cross_appointed,
    )
    assert t.with_supervisory_board == before.with_supervisory_board + 1


def test_an_instructor_must_be_a_party_member_and_is_counted_once_across_contracts(
    users: dict[str, Any], places: Any, world: Any
) -> None:
    contract = PropertyContract.objects.get(compound=world.compound)
    before = figures(places.street).total.instructors
    outsider = residents_of(world.compound, 1, party=False)[0]
    with pytest.raises(InvalidInput) as exc:
        spr.contract_instructor_set(actor=users["street"], contract=contract, instructor=outsider)
    assert exc.value.field == "person_id"
    member = residents_of(world.compound, 1, party=True)[0]
    spr.contract_instructor_set(actor=users["street"], contract=contract, instructor=member)
    second = spr.contract_create(
        actor=users["street"],
        company=world.company,
        compound=places.compounds[1],
        starts_on=YEAR_START,
        ends_on=TODAY,
        fee_grade="二级",
        fee_per_m2="1.00",
        project_manager="李经理",
        instructor=member,
    )
    assert second.instructor_id == member.pk
    assert figures(places.street).total.instructors == before + 1
    spr.contract_instructor_set(actor=users["street"], contract=contract, instructor=None)
    spr.contract_instructor_set(actor=users["street"], contract=second, instructor=None)
    assert figures(places.street).total.instructors == before
    actions = list(AuditEvent.objects.filter(target_id=str(contract.pk)).values_list("action", flat=True))
    assert "cobuilding.instructor_assigned" in actions and "cobuilding.instructor_withdrawn" in actions


def test_needs_and_projects_count_within_the_period_only(users: dict[str, Any], places: Any, world: Any) -> None:
    compound = world.compound
    before = figures(places.street).total
    last_year = timezone.now().replace(year=TODAY.year - 1)
    inside = Need.objects.create(
        place=compound, place_path=compound.path, category="volunteers", title="楼道灯", source="resident"
    )
    old = Need.objects.create(
        place=compound, place_path=compound.path, category="volunteers", title="旧需求", source="resident"
    )
    Need.objects.filter(pk=old.pk).update(created_at=last_year)
    Need.objects.filter(pk=inside.pk).update(status=NeedStatus.CLOSED, closed_at=timezone.now(), evidence="已修")
    Project.objects.create(
        place=compound,
        place_path=compound.path,
        title="加装扶手",
        budget=Decimal("3000"),
        status=ProjectStatus.ACCEPTED,
        accepted_at=timezone.now(),
    )
    Project.objects.create(
        place=compound,
        place_path=compound.path,
        title="去年项目",
        budget=Decimal("1000"),
        status=ProjectStatus.ACCEPTED,
        accepted_at=last_year,
    )
    Project.objects.create(
        place=compound, place_path=compound.path, title="实施中", budget=Decimal("1"), status=ProjectStatus.EXECUTING
    )
    t = figures(places.street).total
    assert (t.needs_raised, t.needs_closed, t.projects_accepted) == (
        before.needs_raised + 1,
        before.needs_closed + 1,
        before.projects_accepted + 1,
    )


def test_red_and_black_list_entries_count_while_in_force_and_not_revoked(
    users: dict[str, Any], places: Any, world: Any
) -> None:
    before = figures(places.street).total
    entry = spr.list_decide(
        actor=users["street"],
        organisation=world.company,
        kind="black",
        evidence="投诉记录",
        reason="多次投诉未整改",
        valid_from=YEAR_START,
        valid_until=TODAY,
    )
    assert figures(places.street).total.black_listed == before.black_listed + 1
    spr.list_revoke(actor=users["street"], entry=ListEntry.objects.get(pk=entry.pk), reason="已整改")
    assert figures(places.street).total.black_listed == before.black_listed


def test_the_statements_do_not_grow_with_the_streets_compounds_members_or_contracts(
    users: dict[str, Any], places: Any, world: Any
) -> None:
    with CaptureQueriesContext(connection) as small:
        figures(places.communities[0])  # one community with the world's contract
    ends = TODAY.replace(year=TODAY.year + 3)
    for person in residents_of(world.compound, 3):
        seat(users["street"], world.committee, person, starts=YEAR_START, ends=ends)
    with CaptureQueriesContext(connection) as large:
        figures(places.street)
    assert len(large) == len(small) <= 11  # + the 物业监督员 and the 物业进网格 rows (one statement each)


def test_the_page_shows_the_figures_and_the_gaps_to_street_staff(client_as: Any, places: Any, world: Any) -> None:
    f = figures(places.street)
    page = client_as("street").get(reverse("cobuilding:overview"), {"node": places.street.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-figure="compounds">{f.total.compounds}<' in html
    assert f'data-figure="complete">{f.rows[0].complete}<' in html
    assert world.compound.name in html or f.gaps_total > len(f.gaps)
    dashboard = client_as("street").get(reverse("insights:dashboard"), {"node": places.street.pk}).content.decode()
    assert f"{reverse('cobuilding:overview')}?node={places.street.pk}" in dashboard


def test_a_grid_worker_gets_the_404_of_a_missing_page_and_a_community_worker_cannot_read_another_community(
    client_as: Any, api_as: Any, places: Any, users: dict[str, Any]
) -> None:
    assert client_as("grid").get(reverse("cobuilding:overview")).status_code == 404
    assert api_as("grid").get("/api/v1/co-building/overview").status_code == 404
    other = places.other_community
    community_user = users["community"]
    from linli.core.scoping import scope_for

    if scope_for(community_user, "manage").covers(other.path):
        pytest.skip("the community worker's scope covers the other community")
    assert client_as("community").get(reverse("cobuilding:overview"), {"node": other.pk}).status_code == 404
    assert api_as("community").get("/api/v1/co-building/overview", {"node_id": other.pk}).status_code == 404
    assert client_as("community").get(reverse("cobuilding:overview"), {"node": places.street.pk}).status_code == 404


def test_the_api_answers_the_pages_numbers(api_as: Any, places: Any, world: Any) -> None:
    f = figures(places.street)
    body = api_as("street").get("/api/v1/co-building/overview", {"node_id": places.street.pk}).json()
    assert body["total"]["compounds"] == f.total.compounds
    assert body["total"]["complete"] == f.total.complete
    assert [r["complete"] for r in body["rows"]] == [r.complete for r in f.rows]
    assert body["gaps_total"] == f.gaps_total
    assert body["since"] == YEAR_START.isoformat() and body["until"] == TODAY.isoformat()
    bad = api_as("street").get("/api/v1/co-building/overview", {"since": "2026-05-02", "until": "2026-05-01"})
    assert bad.status_code == 422 and bad.json()["field"] == "since"


def test_a_bad_date_on_the_page_keeps_the_default_period_and_says_what_was_wrong(client_as: Any, places: Any) -> None:
    page = client_as("street").get(reverse("cobuilding:overview"), {"from": "2026-13-40"})
    assert page.status_code == 422
    assert 'role="alert"' in page.content.decode()


def test_the_spreadsheet_has_a_row_per_part_and_the_total_and_its_download_is_audited(
    client_as: Any, places: Any, world: Any, users: dict[str, Any]
) -> None:
    f = figures(places.street)
    response = client_as("street").get(reverse("cobuilding:overview"), {"node": places.street.pk, "format": "xlsx"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + len(f.rows) + 1
    assert rows[-1][0] == places.street.name and rows[-1][1] == f.total.compounds
    event = AuditEvent.objects.filter(action="cobuilding.overview_exported").latest("id")
    assert event.actor_id == users["street"].pk


def test_the_contract_page_sends_and_withdraws_an_instructor_and_refuses_a_non_member_keeping_the_page(
    client_as: Any, world: Any
) -> None:
    contract = PropertyContract.objects.get(compound=world.compound)
    url = reverse("cobuilding:contract", args=[contract.pk])
    street = client_as("street")
    outsider = residents_of(world.compound, 1, party=False)[0]
    refused = street.post(url, {"form": "instructor", "person_id": outsider.pk})
    assert refused.status_code == 422 and "须为党员" in refused.content.decode()
    missing = street.post(url, {"form": "instructor", "person_id": "999999999"})
    assert missing.status_code == 422
    member = residents_of(world.compound, 1, party=True)[0]
    assert street.post(url, {"form": "instructor", "person_id": member.pk}).status_code == 302
    contract.refresh_from_db()
    assert contract.instructor_id == member.pk
    assert member.name in street.get(url).content.decode()
    assert street.post(url, {"form": "instructor", "withdraw": "1"}).status_code == 302
    contract.refresh_from_db()
    assert contract.instructor_id is None


def test_the_api_sends_an_instructor_only_from_the_callers_ledger(api_as: Any, world: Any, places: Any) -> None:
    contract = PropertyContract.objects.get(compound=world.compound)
    member = residents_of(world.compound, 1, party=True)[0]
    url = f"/api/v1/co-building/contracts/{contract.pk}/instructor"
    sent = api_as("street").put(url, {"person_id": member.pk}, content_type="application/json")
    assert sent.status_code == 200 and sent.json()["instructor_id"] == member.pk
    assert sent.json()["instructor_name"] == member.name
    assert api_as("grid").put(url, {"person_id": None}, content_type="application/json").status_code == 404
    withdrawn = api_as("street").put(url, {"person_id": None}, content_type="application/json")
    assert withdrawn.status_code == 200 and withdrawn.json()["instructor_id"] is None


def company_branch(users: dict[str, Any], places: Any, name: str = "红盾物业党支部") -> PartyOrg:
    from linli.orgs import services as orgs

    parent = PartyOrg.objects.active().get(kind="committee", place=places.communities[0])
    return orgs.party_org_create(
        actor=users["street"], parent=parent, kind="branch", name=name, place=places.communities[0]
    )


def test_a_property_companys_own_branch_counts_for_its_party_coverage_and_a_dissolved_one_does_not(
    users: dict[str, Any], places: Any, world: Any
) -> None:
    from linli.orgs import services as orgs

    before = figures(places.street).total
    assert before.property_companies >= 1
    branch = company_branch(users, places)
    orgs.party_org_set_organisation(actor=users["street"], org=branch, organisation=world.company)
    after = figures(places.street).total
    assert after.companies_with_party_org == before.companies_with_party_org + 1
    assert after.company_party_coverage == Decimal(after.companies_with_party_org / after.property_companies).quantize(
        Decimal("0.0001")
    )
    orgs.party_org_dissolve(actor=users["street"], org=branch, reason="并入社区党委")
    assert figures(places.street).total.companies_with_party_org == before.companies_with_party_org


def test_only_a_company_unit_or_social_organisation_and_only_a_branch_or_above_may_be_linked(
    users: dict[str, Any], places: Any, world: Any
) -> None:
    from linli.orgs import services as orgs

    branch = company_branch(users, places)
    with pytest.raises(InvalidInput) as exc:
        orgs.party_org_set_organisation(actor=users["street"], org=branch, organisation=world.committee)
    assert exc.value.field == "organisation_id"
    group = PartyOrg.objects.active().filter(kind="group").first()
    assert group is not None
    with pytest.raises(InvalidInput):
        orgs.party_org_set_organisation(actor=users["street"], org=group, organisation=world.company)
    orgs.party_org_set_organisation(actor=users["street"], org=branch, organisation=world.company)
    orgs.party_org_set_organisation(actor=users["street"], org=branch, organisation=None)
    branch.refresh_from_db()
    assert branch.organisation_id is None
    assert AuditEvent.objects.filter(action="party_org.organisation_set", target_id=str(branch.pk)).count() == 2


def test_the_party_org_page_and_the_api_record_the_unit_and_a_grid_worker_cannot(
    users: dict[str, Any], places: Any, world: Any, client_as: Any, api_as: Any
) -> None:
    branch = company_branch(users, places)
    url = reverse("orgs:party_detail", args=[branch.pk])
    street = client_as("street")
    assert f'value="{world.company.pk}"' in street.get(url).content.decode()
    assert street.post(url, {"form": "organisation", "organisation_id": world.company.pk}).status_code == 302
    branch.refresh_from_db()
    assert branch.organisation_id == world.company.pk
    assert world.company.name in street.get(url).content.decode()
    unit_page = street.get(reverse("orgs:organisation", args=[world.company.pk])).content.decode()
    assert branch.name in unit_page.split('id="org-party"')[1]
    api = f"/api/v1/orgs/party/{branch.pk}/organisation"
    cleared = api_as("street").put(api, {"organisation_id": None}, content_type="application/json")
    assert cleared.status_code == 200 and cleared.json()["organisation_id"] is None
    assert api_as("grid").put(
        api, {"organisation_id": world.company.pk}, content_type="application/json"
    ).status_code in (403, 404)
    refused = api_as("street").put(api, {"organisation_id": world.committee.pk}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["field"] == "organisation_id"


def test_the_compounds_recorded_without_property_management_are_counted_from_their_profile(
    users: dict[str, Any], places: Any
) -> None:
    from linli.places.services_compounds import compound_profile_set

    before = figures(places.street).total
    with CaptureQueriesContext(connection) as plain:
        figures(places.street)
    for compound, mode in zip(places.compounds[:3], ["none", "none", "community"], strict=True):
        compound_profile_set(
            actor=users["admin"], compound=compound, compound_type="mixed", management_mode=mode, built_year=1990
        )
    with CaptureQueriesContext(connection) as profiled:
        after = figures(places.street).total
    assert (after.unmanaged, after.community_managed) == (before.unmanaged + 2, before.community_managed + 1)
    assert len(profiled) == len(plain)  # the mode comes with the compounds, not in a statement of its own
