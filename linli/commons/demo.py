"""Demo data for the shared-income ledger (street and district sizes; tests call it on the small street): the first
compound of each community of the first street keeps a ledger — half a year of parking fees, venue rent and lift
advertising paid in by its property company, the company's reasonable costs deducted with their evidence, a
routine repair on the owners' committee's written approval, one mistyped entry reversed — and the first compound
also an owners' vote on sharing the income out (分红, seed 002) and the distribution it approved. Last quarter is
published (公示) everywhere.

Everything goes through the services (audited, as staff would); the owners' vote through deliberation's. Safe to
run again: a compound whose ledger has entries is left as it is.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from linli.commons import services as cs
from linli.commons.models import Category, Entry, EntryKind
from linli.commons.periods import previous_quarter, quarter_bounds
from linli.commons.services_notices import notice_publish
from linli.core.errors import LinliError
from linli.places.models import Place, PlaceKind

BASIS = "《管理规约》第十二条:单笔不超过2000元的共用部位日常维修,经业委会书面同意后支出"


def _admin() -> Any:
    return get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk").first()


def _payer(compound: Place) -> Any:
    from linli.orgs.models import Organisation

    return (
        Organisation.objects.filter(kind="property_company")
        .filter(Q(serves=compound) | Q(place_path=compound.path))
        .order_by("pk")
        .first()
    )


def _owners(actor: Any, compound: Place, rng: random.Random) -> None:
    """The first member of each household of the compound owns it, if nobody was registered yet."""
    from linli.people.models import Ownership, Person
    from linli.people.services import ownership_record

    if Ownership.objects.filter(place_path__under=compound.path).exists():
        return
    seen: set[int] = set()
    for person in (
        Person.objects.filter(place_path__under=compound.path, household__isnull=False, moved_out_on__isnull=True)
        .select_related("household")
        .order_by("household_id", "id")
    ):
        if person.household_id in seen or person.household is None:
            continue
        seen.add(person.household_id)
        area = person.household.area_m2 or round(rng.uniform(60, 140), 2)
        ownership_record(actor=actor, person=person, household=person.household, area_m2=area)


def _passed_vote(actor: Any, compound: Place, rng: random.Random) -> Any:
    """An owners' vote (民法典第278条 一般事项) on sharing the income out, closed and passed."""
    from linli.deliberation.models import Choice, Voter
    from linli.deliberation.services_votes import ballot_enter_paper, vote_close, vote_create, vote_open

    _owners(actor, compound, rng)
    vote = vote_create(
        actor=actor,
        place=compound,
        title="公共收益分配方案(业主分红)",
        question="是否同意将本小区上半年公共收益结余的一半按专有部分面积分配给全体业主,其余留作维修养护",
        electorate="owners",
        rule="art278_ordinary",
        closes_at=timezone.now() + dt.timedelta(days=3),
    )
    vote_open(actor=actor, vote=vote)
    for i, voter in enumerate(Voter.objects.filter(vote=vote).order_by("id")):
        if i % 10 == 9:
            continue  # one owner in ten did not take part
        choice = Choice.AGAINST if i % 10 == 4 else Choice.FOR
        ballot_enter_paper(actor=actor, vote=vote, voter=voter, choice=choice, paper_number=f"F-{i + 1:04d}")
    vote_close(actor=actor, vote=vote, publish_days=7, reason="演示:纸质票已全部收回")
    vote.refresh_from_db()
    return vote


def _quarters_back(n: int) -> list[tuple[int, int]]:
    year, quarter = previous_quarter()
    out = []
    for _i in range(n):
        out.append((year, quarter))
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return list(reversed(out))


def _record(actor: Any, compound: Place, key: str, **values: Any) -> Entry:
    fields = cs.EntryFields(**values)
    return cs.entry_record(actor=actor, compound=compound, fields=fields, idempotency_key=f"demo-{compound.pk}-{key}")[
        0
    ]


def _ledger(actor: Any, compound: Place, rng: random.Random, *, share_out: bool) -> None:
    if Entry.objects.filter(ledger__compound=compound).exists():
        return
    cs.ledger_settings(actor=actor, compound=compound, routine_limit_fen=200_000, routine_basis=BASIS)
    payer = _payer(compound)
    quarters = _quarters_back(2)
    for year, quarter in quarters:
        first, last = quarter_bounds(year, quarter)
        tag = f"{year}Q{quarter}"
        parking = rng.randrange(18_000, 36_000) * 100
        _record(
            actor, compound, f"{tag}-parking", kind=EntryKind.INCOME, category=Category.PARKING, amount_fen=parking,
            occurred_on=last - dt.timedelta(days=5), period_start=first, period_end=last, payer=payer,
            summary=f"{tag} 地面共有车位停车费", receipt_no=f"TC{year}{quarter}{compound.pk:04d}",
        )  # fmt: skip
        _record(
            actor, compound, f"{tag}-ads", kind=EntryKind.INCOME, category=Category.ADVERTISING,
            amount_fen=rng.randrange(5_000, 12_000) * 100, occurred_on=last - dt.timedelta(days=4), period_start=first,
            period_end=last, payer=payer, summary=f"{tag} 电梯轿厢广告收益",
            receipt_no=f"GG{year}{quarter}{compound.pk:04d}",
        )  # fmt: skip
        _record(
            actor, compound, f"{tag}-rent", kind=EntryKind.INCOME, category=Category.VENUE_RENT,
            amount_fen=rng.randrange(3_000, 6_000) * 100, occurred_on=last - dt.timedelta(days=3), period_start=first,
            period_end=last, payer=payer, summary=f"{tag} 架空层场地租赁(快递柜)",
            receipt_no=f"ZL{year}{quarter}{compound.pk:04d}",
        )  # fmt: skip
        _record(
            actor, compound, f"{tag}-cost", kind=EntryKind.COST, category=Category.MANAGEMENT_COST,
            amount_fen=parking // 10, occurred_on=last - dt.timedelta(days=2), period_start=first, period_end=last,
            summary=f"{tag} 车辆管理人员工资分摊", evidence="物业服务合同第八条;工资表及分摊计算表已交业委会核对",
        )  # fmt: skip
    year, quarter = quarters[-1]
    first, last = quarter_bounds(year, quarter)
    _record(
        actor, compound, "repair", kind=EntryKind.SPENDING, category=Category.MAINTENANCE, amount_fen=150_000,
        occurred_on=last - dt.timedelta(days=1), summary="更换3号楼单元门闭门器", counterparty="小区维修班组",
        approval_note=f"业委会{(last - dt.timedelta(days=3)).isoformat()}书面同意(日常小额支出)",
    )  # fmt: skip
    wrong = _record(
        actor, compound, "typo", kind=EntryKind.INCOME, category=Category.INCOME_OTHER, amount_fen=80_000,
        occurred_on=last - dt.timedelta(days=1), period_start=first, period_end=last, payer=payer,
        summary="公共区域临时摆摊场地费", receipt_no=f"QT{year}{quarter}{compound.pk:04d}",
    )  # fmt: skip
    cs.entry_reverse(
        actor=actor,
        entry=wrong,
        reason="金额录入有误(应为800元)",
        occurred_on=last,
        idempotency_key=f"demo-{compound.pk}-rev",
    )
    _record(
        actor, compound, "typo-fixed", kind=EntryKind.INCOME, category=Category.INCOME_OTHER, amount_fen=80_000,
        occurred_on=last, period_start=first, period_end=last, payer=payer, summary="公共区域临时摆摊场地费(更正)",
        receipt_no=f"QT{year}{quarter}{compound.pk:04d}A",
    )  # fmt: skip
    notice_publish(actor=actor, compound=compound, year=year, quarter=quarter, note="如有疑问请联系小区党支部或业委会")
    if share_out:
        try:
            vote = _passed_vote(actor, compound, rng)
        except LinliError:
            return  # no owners registered in the ledger: the distribution waits for them
        from linli.commons.selectors import ledger_of

        ledger = ledger_of(compound)
        half = (ledger.balance_fen // 2) if ledger is not None else 0
        if half > 0:
            try:
                _record(
                    actor, compound, "dividend", kind=EntryKind.DISTRIBUTION, category=Category.DIVIDEND,
                    amount_fen=half, occurred_on=timezone.localdate(), vote=vote,
                    summary="公共收益分红:按专有部分面积分配给全体业主",
                )  # fmt: skip
            except LinliError:
                return  # the vote did not pass with this demo's owners


def build_demo_commons(rng: random.Random) -> None:
    actor = _admin()
    if actor is None:
        return
    street = Place.objects.filter(kind=PlaceKind.STREET).order_by("path").first()
    if street is None:
        return
    communities = Place.objects.filter(path__under=street.path, kind=PlaceKind.COMMUNITY).order_by("path")
    for c_index, community in enumerate(communities):
        compound = Place.objects.filter(path__under=community.path, kind=PlaceKind.COMPOUND).order_by("path").first()
        if compound is not None:
            _ledger(actor, compound, rng, share_out=c_index == 0)
