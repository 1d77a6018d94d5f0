"""Art. 278 counted by hand: participation ≥ 2/3 of area AND owners (the boundary counts), each candidate > 1/2 of
participating area AND owners (the boundary does not), seats by approving owners, ties flagged, never broken."""

from __future__ import annotations

from decimal import Decimal

from linli.deliberation.tally import Totals
from linli.elections.tally import decide


def t(n: int, area: str) -> Totals:
    return Totals(n, Decimal(area))


def run(seats: int, owners: int, area: str, part_n: int, part_area: str, approvals: dict[int, tuple[int, str]]):
    names = [(pk, f"候选人{pk}", False, False) for pk in sorted(approvals)]
    return decide(
        seats=seats,
        electorate=t(owners, area),
        participating=t(part_n, part_area),
        candidates=names,
        approvals={pk: t(n, a) for pk, (n, a) in approvals.items()},
    )


def test_participation_of_exactly_two_thirds_of_area_and_owners_makes_the_election_valid() -> None:
    # 9 owners, 900 m²: 6 owners holding 600 m² is exactly 2/3 of each.
    result = run(1, 9, "900", 6, "600", {1: (4, "400")})
    assert result.participation_met
    assert [c.candidate_id for c in result.elected] == [1]


def test_one_owner_short_of_two_thirds_fails_and_the_result_names_that_condition_with_its_numbers() -> None:
    result = run(1, 9, "900", 5, "700", {1: (5, "700")})
    assert not result.participation_met
    [failed] = result.failed_checks
    assert failed.label == "参与投票业主人数 / 业主总人数"
    assert (failed.value, failed.base, failed.needed_display) == (Decimal(5), Decimal(9), "6")
    assert result.elected == [] and all(c.checks == [] for c in result.candidates)


def test_every_owner_taking_part_is_not_enough_when_their_area_is_under_two_thirds() -> None:
    # 3 owners, 300.03 m²: two thirds is 200.02 exactly; 200.01 m² misses it by 0.01.
    result = run(1, 3, "300.03", 2, "200.01", {1: (2, "200.01")})
    assert [c.label for c in result.failed_checks] == ["参与投票专有部分面积 / 总面积"]
    assert run(1, 3, "300.03", 2, "200.02", {1: (2, "200.02")}).participation_met


def test_a_candidate_approved_by_exactly_half_of_the_participating_owners_is_not_elected() -> None:
    # 6 take part holding 600 m²; 3 owners (half) holding 400 m² approve: the owner test fails.
    result = run(1, 6, "600", 6, "600", {1: (3, "400")})
    [c] = result.candidates
    assert [x.met for x in c.checks] == [True, False]
    assert not c.qualified and result.elected == [] and result.vacancies == 1


def test_a_candidate_approved_by_exactly_half_of_the_participating_area_is_not_elected() -> None:
    result = run(1, 6, "600", 6, "600", {1: (5, "300")})
    [c] = result.candidates
    assert [x.met for x in c.checks] == [False, True]
    assert result.elected == []
    assert run(1, 6, "600", 6, "600", {1: (4, "300.0001")}).elected[0].candidate_id == 1


def test_seats_go_by_approving_owners_and_a_tie_for_the_last_seat_is_flagged_for_a_runoff() -> None:
    # 10 owners of 100 m² each, all take part; 3 seats. Approvals: A 9, B 8, C 7, D 7 (C and D tie for seat 3).
    result = run(3, 10, "1000", 10, "1000", {1: (9, "900"), 2: (8, "800"), 3: (7, "710"), 4: (7, "690"), 5: (5, "500")})
    assert [(c.candidate_id, c.rank) for c in result.elected] == [(1, 1), (2, 2)]
    assert sorted(c.candidate_id for c in result.tied) == [3, 4]  # area 710 vs 690 does not break it
    assert result.runoff_seats == 1 and result.vacancies == 0
    assert not any(c.elected for c in result.candidates if c.candidate_id == 5)  # 5 of 10 is not more than half


def test_a_tie_that_fits_in_the_seats_elects_both() -> None:
    result = run(3, 10, "1000", 10, "1000", {1: (9, "900"), 2: (7, "700"), 3: (7, "700")})
    assert sorted((c.candidate_id, c.rank) for c in result.elected) == [(1, 1), (2, 2), (3, 2)]
    assert result.tied == [] and result.vacancies == 0


def test_seats_no_candidate_qualifies_for_stay_vacant() -> None:
    result = run(3, 10, "1000", 8, "800", {1: (8, "800"), 2: (4, "400")})
    assert [c.candidate_id for c in result.elected] == [1]
    assert result.vacancies == 2 and result.runoff_seats == 0


def test_nobody_taking_part_fails_without_dividing_by_zero() -> None:
    result = run(1, 5, "500", 0, "0", {1: (0, "0")})
    assert not result.participation_met and len(result.failed_checks) == 2
