"""The vote page tells the truth about the vote's state: a draft has not opened and has no result,
and the box that opens it describes the vote's own electorate, not always the owners' rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from linli.deliberation.services_votes import vote_create, vote_open
from tests.test_deliberation_votes import make_owners


def draft(users: Any, places: Any, electorate: str, rule: str = "simple") -> Any:
    return vote_create(
        actor=users["community"],
        place=places.compounds[0],
        title="加装电梯意向",
        question="是否同意加装电梯",
        electorate=electorate,
        rule=rule,
        closes_at=timezone.now() + dt.timedelta(days=2),
    )


def test_a_draft_vote_says_it_has_not_opened_and_shows_no_result(client_as: Any, users: Any, places: Any) -> None:
    vote = draft(users, places, "households")
    html = client_as("community").get(f"/deliberation/votes/{vote.pk}/").content.decode()
    assert "表决尚未开始" in html
    assert "投票中,实时计票" not in html
    assert "结果:未通过" not in html
    assert "结果:通过" not in html
    assert 'data-testid="checks"' not in html


@pytest.mark.parametrize(
    ("electorate", "said", "not_said"),
    [
        ("households", "每户一票", "业主按专有部分面积"),
        ("adults", "年满十八周岁的在住居民每人一票", "业主按专有部分面积"),
        ("owners", "业主按专有部分面积", "每户一票"),
    ],
)
def test_the_open_box_describes_the_votes_own_counting_rule(
    client_as: Any, users: Any, places: Any, electorate: str, said: str, not_said: str
) -> None:
    vote = draft(users, places, electorate)
    html = client_as("community").get(f"/deliberation/votes/{vote.pk}/").content.decode()
    box = html.split('data-testid="roll-rule"', 1)[1].split("</p>", 1)[0]
    assert said in box
    assert not_said not in box


def test_an_open_vote_still_counts_live_and_shows_its_running_outcome(client_as: Any, users: Any, places: Any) -> None:
    make_owners(places.compounds[0], users["resident"].person, ["100", "60"])
    vote = vote_open(actor=users["community"], vote=draft(users, places, "owners", "art278_ordinary"))
    html = client_as("community").get(f"/deliberation/votes/{vote.pk}/").content.decode()
    assert "投票中,实时计票" in html
    assert 'data-testid="checks"' in html
    assert "表决尚未开始" not in html


def test_a_draft_vote_in_english_says_one_vote_per_household_is_not_by_area(
    client_as: Any, users: Any, places: Any
) -> None:
    vote = draft(users, places, "households")
    html = client_as("community").get(f"/deliberation/votes/{vote.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "live count" not in html
    assert "Result: not passed" not in html
    assert "exclusive area" not in html
