"""The team demo hook builds a believable first community on the demo street, and runs twice harmlessly (the
query-count tests run every demo hook twice)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from linli.core.demo.builder import DEMO_HOOKS
from linli.teams import selectors as sel
from linli.teams.demo import TEMPLATE, build_demo_teams
from linli.teams.models import DutyItem, TeamMember, TeamStandard

pytestmark = pytest.mark.django_db


def test_the_demo_builds_a_template_copied_into_the_compounds_and_one_complete_team(places: Any) -> None:
    build_demo_teams(random.Random(5))
    community = places.communities[0]
    mine = [c for c in places.compounds if c.path.startswith(community.path)]
    assert DutyItem.objects.filter(place=community).count() == len(TEMPLATE)
    for compound in mine:
        assert DutyItem.objects.filter(place=compound, source__isnull=False).count() == len(TEMPLATE)
    statuses = {row.compound.pk: row for row in sel.team_coverage(community).rows}
    assert statuses[mine[0].pk].complete
    assert not statuses[mine[1].pk].complete and statuses[mine[1].pk].gaps
    assert DutyItem.objects.filter(place=mine[0], member__isnull=False).exists()  # 责任到人 in the first compound
    other = TeamStandard.objects.get(place_path=places.communities[1].path)
    assert sel.formula(other) == "1+1+N+X"


def test_the_demo_runs_twice_without_doubling_anything(places: Any) -> None:
    build_demo_teams(random.Random(5))
    counts = (DutyItem.objects.count(), TeamMember.objects.count(), TeamStandard.objects.count())
    build_demo_teams(random.Random(6))
    assert (DutyItem.objects.count(), TeamMember.objects.count(), TeamStandard.objects.count()) == counts


def test_the_demo_hook_runs_with_the_others() -> None:
    assert "linli.teams.demo:build_demo_teams" in DEMO_HOOKS
