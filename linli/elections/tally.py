"""Counting an owners' committee election from its rows, by Civil Code art. 278 (deliberation's arithmetic).

1. **Participation**: owners holding two thirds or more (以上, the boundary included, art. 1259) of the exclusive
   area **and** two thirds or more of the owners by number must take part; otherwise the election fails (无效),
   and the result names the condition that failed, with its numbers.
2. **Each candidate** is elected only with the approval of more than half (过半数, the boundary excluded) of the
   participating area **and** more than half of the participating owners.
3. **Seats** go to the qualified candidates in order of approving owners. Candidates with the same number of
   approving owners are tied: when a tie straddles the last seats, those seats are left for a run-off decision
   (``tied``), never broken silently (area is shown beside, not used to break it). Seats no qualified candidate
   reaches stay vacant (for a by-election).

Every comparison is ``deliberation.tally.Check``'s: integers and ``Fraction``s, never floats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum

from linli.deliberation.tally import HALF, TWO_THIRDS, Check, Totals
from linli.elections.models import Candidate, Election, ElectionBallot, ElectionMark, ElectionVoter


@dataclass
class CandidateCount:
    candidate_id: int
    name: str
    party_member: bool
    cross_branch: bool
    approvals: Totals
    checks: list[Check] = field(default_factory=list)
    elected: bool = False
    tied: bool = False
    rank: int | None = None

    @property
    def qualified(self) -> bool:
        return bool(self.checks) and all(c.met for c in self.checks)


@dataclass
class ElectionTally:
    seats: int
    electorate: Totals
    participating: Totals
    participation_checks: list[Check]
    candidates: list[CandidateCount]

    @property
    def participation_met(self) -> bool:
        return all(c.met for c in self.participation_checks)

    @property
    def failed_checks(self) -> list[Check]:
        return [c for c in self.participation_checks if not c.met]

    @property
    def elected(self) -> list[CandidateCount]:
        return sorted((c for c in self.candidates if c.elected), key=lambda c: c.rank or 0)

    @property
    def tied(self) -> list[CandidateCount]:
        return [c for c in self.candidates if c.tied]

    @property
    def runoff_seats(self) -> int:
        """Seats the tie leaves open: what a run-off decides."""
        return min(self.seats - len(self.elected), len(self.tied)) if self.tied else 0

    @property
    def vacancies(self) -> int:
        return self.seats - len(self.elected) - self.runoff_seats


def decide(
    *,
    seats: int,
    electorate: Totals,
    participating: Totals,
    candidates: list[tuple[int, str, bool, bool]],
    approvals: dict[int, Totals],
) -> ElectionTally:
    """Apply art. 278 to counted totals (pure: the boundary tests call it directly). ``candidates``: ``(id, name,
    party_member, cross_branch)`` in nomination order; ``approvals``: each candidate's approving owners and area."""
    result = ElectionTally(
        seats=seats,
        electorate=electorate,
        participating=participating,
        participation_checks=[
            Check("参与投票专有部分面积 / 总面积", participating.area, electorate.area, TWO_THIRDS, True),
            Check(
                "参与投票业主人数 / 业主总人数",
                Decimal(participating.count),
                Decimal(electorate.count),
                TWO_THIRDS,
                True,
            ),
        ],
        candidates=[],
    )
    for pk, name, party, cross in candidates:
        got = approvals.get(pk, Totals())
        count = CandidateCount(pk, name, party, cross, got)
        if result.participation_met:
            count.checks = [
                Check("赞成面积 / 参与投票面积", got.area, participating.area, HALF, False),
                Check("赞成人数 / 参与投票人数", Decimal(got.count), Decimal(participating.count), HALF, False),
            ]
        result.candidates.append(count)
    if not result.participation_met:
        return result
    qualified = sorted((c for c in result.candidates if c.qualified), key=lambda c: -c.approvals.count)
    remaining, rank, i = seats, 1, 0
    while remaining > 0 and i < len(qualified):
        group = [c for c in qualified[i:] if c.approvals.count == qualified[i].approvals.count]
        if len(group) <= remaining:
            for c in group:
                c.elected, c.rank = True, rank
            rank += len(group)
            remaining -= len(group)
        else:
            for c in group:
                c.tied = True
            break
        i += len(group)
    return result


def count_election(election: Election) -> ElectionTally:
    """Recount ``election`` from its electorate, ballots and marks (four queries)."""
    agg = ElectionVoter.objects.filter(election=election).aggregate(n=Count("id"), area=Sum("area_m2"))
    electorate = Totals(agg["n"] or 0, agg["area"] or Decimal(0))
    part = ElectionBallot.objects.filter(election=election).aggregate(n=Count("id"), area=Sum("voter__area_m2"))
    participating = Totals(part["n"] or 0, part["area"] or Decimal(0))
    rows: Any = (
        ElectionMark.objects.filter(election=election)
        .values("candidate_id")
        .annotate(n=Count("id"), area=Sum("area_m2"))
        .order_by()
    )
    approvals = {r["candidate_id"]: Totals(r["n"], r["area"] or Decimal(0)) for r in rows}
    candidates = list(
        Candidate.objects.filter(election=election)
        .order_by("id")
        .values_list("id", "name", "party_member", "cross_branch")
    )
    return decide(
        seats=election.seats,
        electorate=electorate,
        participating=participating,
        candidates=candidates,
        approvals=approvals,
    )
