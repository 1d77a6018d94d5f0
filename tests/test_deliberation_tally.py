"""Civil Code Art. 278 arithmetic at its boundaries: "以上" includes the boundary, "过半数" does not."""

from __future__ import annotations

from decimal import Decimal

from linli.deliberation.models import VoteRule
from linli.deliberation.tally import Totals, decide


def result(rule: str, *, owners: int, area: str, part_n: int, part_area: str, yes_n: int, yes_area: str):
    return decide(
        rule=rule,
        electorate=Totals(owners, Decimal(area)),
        participating=Totals(part_n, Decimal(part_area)),
        by_choice={"for": Totals(yes_n, Decimal(yes_area))},
    )


def test_participation_of_exactly_two_thirds_of_area_and_owners_is_enough() -> None:
    r = result(VoteRule.ORDINARY, owners=9, area="300", part_n=6, part_area="200", yes_n=4, yes_area="101")
    assert r.participation_met
    assert r.approved


def test_participation_just_under_two_thirds_of_area_fails_even_with_every_owner_present() -> None:
    r = result(VoteRule.ORDINARY, owners=9, area="300", part_n=9, part_area="199.99", yes_n=9, yes_area="199.99")
    assert not r.participation_met
    assert not r.approved


def test_area_met_but_headcount_not_met_fails_participation() -> None:
    r = result(VoteRule.ORDINARY, owners=9, area="300", part_n=5, part_area="290", yes_n=5, yes_area="290")
    assert [c.met for c in r.participation_checks] == [True, False]
    assert not r.approved


def test_exactly_half_is_not_more_than_half_for_an_ordinary_matter() -> None:
    r = result(VoteRule.ORDINARY, owners=6, area="600", part_n=6, part_area="600", yes_n=3, yes_area="301")
    assert r.participation_met
    assert [c.met for c in r.approval_checks] == [True, False]
    assert not r.approved


def test_exactly_three_quarters_of_area_and_owners_passes_a_special_matter() -> None:
    r = result(VoteRule.SPECIAL, owners=8, area="400", part_n=8, part_area="400", yes_n=6, yes_area="300")
    assert r.approved
    assert all(c.rule_display == "≥ 3/4" for c in r.approval_checks)


def test_just_under_three_quarters_of_area_fails_a_special_matter_though_headcount_is_met() -> None:
    r = result(VoteRule.SPECIAL, owners=8, area="400", part_n=8, part_area="400", yes_n=6, yes_area="299.99")
    assert [c.met for c in r.approval_checks] == [False, True]
    assert not r.approved


def test_special_matter_headcount_below_three_quarters_fails_though_area_is_met() -> None:
    r = result(VoteRule.SPECIAL, owners=8, area="400", part_n=8, part_area="400", yes_n=5, yes_area="390")
    assert [c.met for c in r.approval_checks] == [True, False]


def test_two_thirds_needed_is_shown_exactly_when_not_a_whole_number() -> None:
    r = result(VoteRule.ORDINARY, owners=10, area="100", part_n=7, part_area="70", yes_n=7, yes_area="70")
    headcount = r.participation_checks[1]
    assert headcount.needed_display == "6.6667"
    assert headcount.met


def test_simple_majority_needs_more_than_half_of_those_voting() -> None:
    tie = result(VoteRule.SIMPLE, owners=10, area="0", part_n=4, part_area="0", yes_n=2, yes_area="0")
    win = result(VoteRule.SIMPLE, owners=10, area="0", part_n=4, part_area="0", yes_n=3, yes_area="0")
    assert not tie.approved
    assert win.approved
    assert tie.participation_checks == []


def test_nobody_voting_never_passes() -> None:
    r = result(VoteRule.SIMPLE, owners=10, area="0", part_n=0, part_area="0", yes_n=0, yes_area="0")
    assert not r.approved
