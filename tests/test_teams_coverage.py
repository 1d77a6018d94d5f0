"""小区治理团队配齐 (seed 000: "按照“1+1+2N+X”的标准配备小区治理团队"): the standard, what a compound needs,
whether it has it, and the share of complete compounds under a community or street (docs/metrics.md)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.teams import selectors as sel
from linli.teams import services as s
from linli.teams.models import TeamStandard
from tests.teams_support import buildings, fill, residents

pytestmark = pytest.mark.django_db


def test_the_default_standard_is_one_secretary_one_grid_chief_two_per_building_and_any_number_of_x() -> None:
    default = TeamStandard.objects.get(place_path="")
    posts = {p.code: (p.name, p.fixed, p.per_building) for p in sel.active_posts(default)}
    assert posts == {
        "secretary": ("小区党组织书记", 1, 0),
        "grid_chief": ("网格长", 1, 0),
        "building": ("网格员/楼栋长", 0, 2),
        "volunteer": ("志愿者", 0, 0),
        "property": ("物业代表", 0, 0),
        "owners_committee": ("业委会代表", 0, 0),
    }
    assert sel.formula(default) == "1+1+2N+X"


def test_a_compound_needs_one_secretary_one_grid_chief_and_two_people_per_building(places: Any) -> None:
    compound = places.compounds[0]
    team = sel.compound_team(compound)
    n = buildings(compound)
    assert n > 0 and team.buildings == n
    required = {p.post.code: p.required for p in team.posts}
    assert required == {
        "secretary": 1,
        "grid_chief": 1,
        "building": 2 * n,
        "volunteer": 0,
        "property": 0,
        "owners_committee": 0,
    }
    assert not team.complete and team.missing_total == 2 + 2 * n


def test_a_compound_with_every_numbered_post_filled_is_complete_without_any_x(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    fill(users["community"], compound)
    team = sel.compound_team(compound)
    assert team.complete
    assert [p.filled for p in team.posts if p.optional] == [0, 0, 0]


def test_a_compound_short_of_building_heads_is_listed_with_the_post_and_how_many(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    fill(users["community"], compound, short=2)
    coverage = sel.team_coverage(places.communities[0])
    gaps = [(row.compound.pk, post.post.code, post.required, post.filled, post.missing) for row, post in coverage.gaps]
    n = buildings(compound)
    assert (compound.pk, "building", 2 * n, 2 * n - 2, 2) in gaps
    assert all(code != "secretary" for pk, code, *_ in gaps if pk == compound.pk)


def test_one_person_may_hold_two_posts_and_counts_on_each(users: Any, places: Any) -> None:
    """由社区“两委”成员担任小区党组织书记和网格长: the same 两委 member may be both."""
    compound = places.compounds[0]
    person = residents(compound, 1)[0]
    s.member_add(actor=users["community"], compound=compound, post="secretary", person=person)
    s.member_add(actor=users["community"], compound=compound, post="grid_chief", person=person)
    team = sel.compound_team(compound)
    assert {p.post.code: p.missing for p in team.posts if not p.optional and p.post.code != "building"} == {
        "secretary": 0,
        "grid_chief": 0,
    }


def test_members_who_left_do_not_count(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    members = fill(users["community"], compound)
    assert sel.compound_team(compound).complete
    s.member_end(actor=users["community"], member=members[0], reason="调任")
    team = sel.compound_team(compound)
    assert not team.complete
    assert [p.post.code for p in team.gaps] == ["secretary"]


def test_the_street_share_is_complete_compounds_over_all_compounds_and_per_community(users: Any, places: Any) -> None:
    fill(users["street"], places.compounds[0])
    fill(users["street"], places.compounds[2])
    fill(users["street"], places.compounds[3], short=1)
    coverage = sel.team_coverage(places.street)
    assert (coverage.compounds, coverage.complete, coverage.share) == (4, 2, 0.5)
    shares = {c.place.pk: (c.compounds, c.complete, c.share) for c in coverage.children}
    assert shares == {places.communities[0].pk: (2, 1, 0.5), places.communities[1].pk: (2, 1, 0.5)}


def test_a_community_standard_applies_to_its_compounds_and_no_others(users: Any, places: Any) -> None:
    community = places.communities[1]
    standard, created = s.standard_adopt(actor=users["street"], place=community)
    assert created
    s.post_save(actor=users["street"], standard=standard, code="building", name="楼栋长", fixed=0, per_building=1)
    inside, outside = places.compounds[2], places.compounds[0]
    assert sel.compound_team(inside).formula == "1+1+N+X"
    assert {p.post.code: p.required for p in sel.compound_team(inside).posts}["building"] == buildings(inside)
    assert sel.compound_team(outside).formula == "1+1+2N+X"


def test_a_street_standard_applies_below_unless_a_community_keeps_its_own(users: Any, places: Any) -> None:
    street, _ = s.standard_adopt(actor=users["street"], place=places.street)
    s.post_save(actor=users["street"], standard=street, code="mediator", name="调解员", fixed=1, per_building=0)
    own, _ = s.standard_adopt(actor=users["street"], place=places.communities[1])
    assert {p.code for p in sel.active_posts(own)} >= {"mediator"}  # copied from the street's, not the default
    s.post_remove(actor=users["street"], standard=own, code="mediator")
    assert "mediator" in {p.post.code for p in sel.compound_team(places.compounds[0]).posts}
    assert "mediator" not in {p.post.code for p in sel.compound_team(places.compounds[2]).posts}


def test_a_grid_worker_sees_the_figure_of_their_own_compound(users: Any, places: Any) -> None:
    node = sel.coverage_node(users["grid"], None)
    assert node == places.compounds[0]
    assert sel.coverage_node(users["grid"], places.first_grid.pk) == places.compounds[0]


def test_the_api_figure_is_the_pages_figure(users: Any, places: Any, api_as: Any, client_as: Any) -> None:
    fill(users["street"], places.compounds[0])
    fill(users["street"], places.compounds[1], short=3)
    body = api_as("street").get("/api/v1/teams/coverage", {"node_id": places.street.pk}).json()
    assert (body["compounds"], body["complete"], body["share"]) == (4, 1, 0.25)
    gap = next(g for g in body["gaps"] if g["compound_id"] == places.compounds[1].pk)
    assert (gap["post"], gap["post_name"], gap["missing"]) == ("building", "网格员/楼栋长", 3)
    page = client_as("street").get("/teams/", {"node": places.street.pk}).content.decode()
    assert "25.0%" in page
    assert f'data-gap="{places.compounds[1].pk}-building"' in page


def test_the_figure_costs_the_same_queries_however_many_members_and_compounds(users: Any, places: Any) -> None:
    with CaptureQueriesContext(connection) as few:
        sel.team_coverage(places.street)
    for compound in places.compounds:
        fill(users["street"], compound)
    s.standard_adopt(actor=users["street"], place=places.communities[1])
    with CaptureQueriesContext(connection) as many:
        coverage = sel.team_coverage(places.street)
    assert coverage.complete == 4
    assert len(many) == len(few) <= 7
