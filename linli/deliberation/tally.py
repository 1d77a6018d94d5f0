"""Counting a vote, from its rows only, with the arithmetic spelled out.

Civil Code Art. 278: owners' decisions need participation by owners holding two thirds or more
(以上) of the exclusive area **and** two thirds or more of the owners; ordinary matters then need
more than half (过半数) of the participating area **and** owners; items (6)–(8) (maintenance funds,
rebuilding, changing the use of common parts) need three quarters or more of both. Art. 1259:
"以上" includes the boundary, "过半数" does not. Comparisons are done on integers and ``Fraction``s
so 2/3 of 300 m² is exactly 200 m², never 199.99999.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, Sum

from linli.deliberation.models import Ballot, Choice, SecretChoice, Vote, Voter, VoteRule

TWO_THIRDS = Fraction(2, 3)
HALF = Fraction(1, 2)
THREE_QUARTERS = Fraction(3, 4)


@dataclass(frozen=True)
class Check:
    """One threshold: ``value`` compared with ``fraction`` of ``base`` (inclusive or strictly above)."""

    label: str
    value: Decimal
    base: Decimal
    fraction: Fraction
    inclusive: bool

    @property
    def needed(self) -> Fraction:
        return Fraction(self.base) * self.fraction

    @property
    def met(self) -> bool:
        if self.base == 0:
            return False
        value = Fraction(self.value)
        return value >= self.needed if self.inclusive else value > self.needed

    @property
    def share(self) -> float:
        return float(Fraction(self.value) / Fraction(self.base)) if self.base else 0.0

    @property
    def needed_display(self) -> str:
        needed = self.needed
        if needed.denominator == 1:
            return str(needed.numerator)
        return f"{float(needed):.4f}".rstrip("0").rstrip(".")

    @property
    def rule_display(self) -> str:
        frac = f"{self.fraction.numerator}/{self.fraction.denominator}"
        return f"≥ {frac}" if self.inclusive else f"> {frac}"


@dataclass
class Totals:
    count: int = 0
    area: Decimal = Decimal(0)


@dataclass
class Result:
    rule: str
    electorate: Totals
    participating: Totals
    by_choice: dict[str, Totals] = field(default_factory=dict)
    participation_checks: list[Check] = field(default_factory=list)
    approval_checks: list[Check] = field(default_factory=list)

    @property
    def participation_met(self) -> bool:
        return all(c.met for c in self.participation_checks)

    @property
    def approved(self) -> bool:
        return self.participation_met and bool(self.approval_checks) and all(c.met for c in self.approval_checks)

    @property
    def checks(self) -> list[Check]:
        return self.participation_checks + self.approval_checks


def decide(*, rule: str, electorate: Totals, participating: Totals, by_choice: dict[str, Totals]) -> Result:
    """Apply ``rule`` to counted totals (pure: the boundary tests call this directly)."""
    result = Result(rule=rule, electorate=electorate, participating=participating, by_choice=by_choice)
    yes = by_choice.get(Choice.FOR, Totals())
    if rule == VoteRule.SIMPLE:
        result.approval_checks = [
            Check("赞成人数 / 参与表决人数", Decimal(yes.count), Decimal(participating.count), HALF, False)
        ]
        return result
    result.participation_checks = [
        Check("参与表决专有部分面积 / 总面积", participating.area, electorate.area, TWO_THIRDS, True),
        Check(
            "参与表决业主人数 / 业主总人数", Decimal(participating.count), Decimal(electorate.count), TWO_THIRDS, True
        ),
    ]
    fraction, inclusive = (THREE_QUARTERS, True) if rule == VoteRule.SPECIAL else (HALF, False)
    result.approval_checks = [
        Check("赞成面积 / 参与表决面积", yes.area, participating.area, fraction, inclusive),
        Check("赞成人数 / 参与表决人数", Decimal(yes.count), Decimal(participating.count), fraction, inclusive),
    ]
    return result


def count_vote(vote: Vote) -> Result:
    """Recount ``vote`` from its electorate, ballot and secret-choice rows (four queries)."""
    agg = Voter.objects.filter(vote=vote).aggregate(n=Count("id"), area=Sum("area_m2"))
    electorate = Totals(agg["n"] or 0, agg["area"] or Decimal(0))
    part = Ballot.objects.filter(vote=vote).aggregate(n=Count("id"), area=Sum("voter__area_m2"))
    participating = Totals(part["n"] or 0, part["area"] or Decimal(0))
    rows: Any
    if vote.secret:
        rows = SecretChoice.objects.filter(vote=vote).values("choice").annotate(n=Count("id"), area=Sum("area_m2"))
    else:
        rows = Ballot.objects.filter(vote=vote).values("choice").annotate(n=Count("id"), area=Sum("voter__area_m2"))
    by_choice = {c.value: Totals() for c in Choice}
    for row in rows:
        by_choice[row["choice"]] = Totals(row["n"], row["area"] or Decimal(0))
    return decide(rule=vote.rule, electorate=electorate, participating=participating, by_choice=by_choice)
