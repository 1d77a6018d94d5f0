"""Demo data for red property and co-building (street and district sizes), modelled on seeds 002/003:
contracts for the demo's property companies, owners' committee members (party share around the
50% target), last year's star ratings with survey answers and their red/black list decisions,
partner resources, needs, micro-projects, branch funds with the 3,000-yuan start-up grant and
the 2,000-yuan annual grant, the street's 大工委 and each community's 大党委, compounds' rules
documents (管理规约 written with or without the party's leadership, 文明公约, a superseded older
version), and a "物业服务" request category (unit type property company) under which the demo's
property-related requests are filed, so each credit file has figures.
Rows are written in bulk (services stamp "now")."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from linli.cobuilding.models import (
    CharterAdoption,
    CharterKind,
    CharterStatus,
    CommitteeMember,
    CompoundCharter,
    Fund,
    FundEntry,
    FundEntryKind,
    FundHolder,
    GridStaffRole,
    ListEntry,
    Need,
    NeedSource,
    NeedStatus,
    PartnerProfile,
    Project,
    ProjectEvent,
    ProjectStatus,
    PropertyContract,
    PropertyGridStaff,
    Rating,
    RatingCriterion,
    RatingResponse,
    RatingStatus,
    RatingTemplate,
    Resource,
    SurveySample,
)
from linli.cobuilding.services_rating import stars_for
from linli.orgs.models import Organisation, OrganisationKind, PartyOrg, PartyOrgKind
from linli.people.models import Person, Position, party_fields
from linli.places.models import Household, Place, PlaceKind

CRITERIA = [("服务质量", 30), ("环境卫生", 25), ("安全管理", 20), ("党建引领", 15), ("收费公开", 10)]
RESOURCES = [
    ("venue", "党员活动室周末开放"),
    ("volunteers", "党员志愿服务队"),
    ("expertise", "义诊与健康讲座"),
    ("goods", "爱心物资捐赠"),
    ("funds", "民生微实事资金"),
]
NEEDS = [
    ("venue", "老年人缺少活动场所"),
    ("volunteers", "独居老人需要定期探访"),
    ("expertise", "居民希望开展健康义诊"),
    ("goods", "小区缺少休息座椅"),
    ("volunteers", "楼道老旧电线需要检修"),
]
CENT = Decimal("0.01")
# The demo's request titles (``linli.tickets.demo``) that are the property company's job, by the
# second-level category of "物业服务" they are filed under: these feed each company's credit file.
PROPERTY_CATEGORY = "物业服务"
PROPERTY_TITLES = {
    "楼道灯不亮": "公共设施维修",
    "下水道堵塞": "公共设施维修",
    "路面破损": "公共设施维修",
    "垃圾清运不及时": "保洁与垃圾清运",
    "绿化带损坏": "绿化养护",
}


def _answer(rng: random.Random, criteria: list[RatingCriterion], quality: float) -> tuple[dict[str, int], Decimal]:
    scores = {str(c.pk): max(1, min(5, round(rng.gauss(quality, 0.7)))) for c in criteria}
    total = sum(Decimal(c.weight * scores[str(c.pk)]) for c in criteria) / Decimal(sum(c.weight for c in criteria))
    return scores, (total * 20).quantize(CENT, ROUND_HALF_UP)


def _property_requests(companies: list[Organisation]) -> int:
    """A "物业服务" category (unit type property company) and the demo's property-related requests in
    the compounds the companies serve filed under it, so the credit files show real figures.
    Returns how many requests were filed."""
    from linli.tickets.models import Category, Ticket, UnitType

    top = Category.objects.filter(parent=None, name=PROPERTY_CATEGORY).first() or Category.objects.create(
        name=PROPERTY_CATEGORY, level=1, default_unit_type=UnitType.PROPERTY, response_hours=24, resolve_workdays=3
    )
    served = {c.path for company in companies for c in company.serves.all()}
    if not served:
        return 0
    in_served = Q()
    for path in served:
        in_served |= Q(place_path__startswith=path)
    filed = 0
    for name in sorted(set(PROPERTY_TITLES.values())):
        child = Category.objects.filter(parent=top, name=name).first() or Category.objects.create(
            parent=top, name=name, level=2, default_unit_type=UnitType.PROPERTY
        )
        titles = [t for t, c in PROPERTY_TITLES.items() if c == name]
        filed += Ticket.objects.filter(in_served, category__isnull=True, title__in=titles).update(category=child)
    return filed


@transaction.atomic
def build_demo_cobuilding(rng: random.Random) -> None:
    today = timezone.localdate()
    last_year = today.year - 1
    template = RatingTemplate.objects.create(name=f"{last_year} 年度红色物业星级评定", year=last_year)
    criteria = RatingCriterion.objects.bulk_create(
        RatingCriterion(template=template, name=n, weight=w, position=i) for i, (n, w) in enumerate(CRITERIA)
    )
    companies = list(Organisation.objects.filter(kind=OrganisationKind.PROPERTY_COMPANY).prefetch_related("serves"))
    contracts, ratings = [], []
    for index, company in enumerate(companies):
        company.uscc = _uscc(index)
        for compound in company.serves.all():
            start = dt.date(today.year - rng.randint(1, 3), 1, 1)
            contracts.append(
                PropertyContract(
                    company=company,
                    compound=compound,
                    place_path=compound.path,
                    starts_on=start,
                    ends_on=dt.date(start.year + 3, 12, 31),
                    fee_grade=rng.choice(["一级", "二级", "三级"]),
                    fee_per_m2=Decimal(rng.choice(["0.85", "1.10", "1.35", "1.60"])),
                    project_manager=rng.choice(["王", "李", "张", "刘", "陈"]) + "经理",
                )
            )
            ratings.append(
                Rating(
                    template=template,
                    company=company,
                    compound=compound,
                    place_path=compound.path,
                    year=last_year,
                    token=secrets.token_urlsafe(18)[:24],
                )
            )
    Organisation.objects.bulk_update(companies, ["uscc"])
    _property_requests(companies)
    PropertyContract.objects.bulk_create(contracts, batch_size=1000)
    Rating.objects.bulk_create(ratings, batch_size=1000)

    samples, responses, entries = [], [], []
    for rating in ratings:
        households = list(
            Household.objects.filter(place_path__startswith=rating.place_path).values_list("pk", flat=True)[:400]
        )
        chosen = rng.sample(households, min(30, len(households)))
        quality = rng.choice([4.6, 4.2, 3.8, 3.2, 2.4])
        for hh in chosen:
            samples.append(SurveySample(rating=rating, household_id=hh))
        answered = chosen[: int(len(chosen) * 0.8)]
        survey_scores = []
        for hh in answered:
            scores, score = _answer(rng, criteria, quality)
            survey_scores.append(score)
            responses.append(RatingResponse(rating=rating, rater="survey", household_id=hh, scores=scores, score=score))
        bodies = {}
        for rater in ("branch", "committee"):
            scores, score = _answer(rng, criteria, quality)
            bodies[rater] = score
            responses.append(RatingResponse(rating=rating, rater=rater, scores=scores, score=score))
        survey = (sum(survey_scores, Decimal(0)) / len(survey_scores)).quantize(CENT) if survey_scores else Decimal(60)
        rating.survey_score, rating.branch_score, rating.committee_score = survey, bodies["branch"], bodies["committee"]
        rating.score = ((survey * 50 + bodies["branch"] * 25 + bodies["committee"] * 25) / 100).quantize(CENT)
        rating.stars = stars_for(rating.score)
        rating.status = RatingStatus.CLOSED
        rating.closed_at = timezone.now()
        if rating.stars >= 5 or rating.stars <= 2:
            entries.append(
                ListEntry(
                    organisation=rating.company,
                    kind="red" if rating.stars >= 5 else "black",
                    reason=f"{last_year} 年度星级评定 {rating.stars} 星",
                    evidence=f"综合得分 {rating.score}",
                    valid_from=dt.date(today.year, 1, 1),
                    valid_until=dt.date(today.year, 12, 31),
                    rating=rating,
                    place_path=rating.place_path,
                )
            )
    Rating.objects.bulk_update(
        ratings, ["survey_score", "branch_score", "committee_score", "score", "stars", "status", "closed_at"]
    )
    SurveySample.objects.bulk_create(samples, batch_size=2000)
    RatingResponse.objects.bulk_create(responses, batch_size=2000)
    ListEntry.objects.bulk_create(entries, batch_size=1000)

    _committees(rng, today)
    _partners_needs_projects(rng, today)
    _funds(rng, today)
    _charters(today)
    _big_committees(today)
    _grid_forces()


def _big_committees(today: dt.date) -> None:
    """Seed 003's 街道“大工委” and 社区“大党委”: the street's partner units sit on its 大工委 and each on one
    community's 大党委 in turn; a community still without one gets a 驻社区单位 (its clinic's branch) as its first
    member. No random draws: the rest of the demo stays as it was."""
    for street in Place.objects.filter(kind=PlaceKind.STREET).order_by("path"):
        communities = list(Place.objects.filter(path__under=street.path, kind=PlaceKind.COMMUNITY).order_by("path"))
        if not communities:
            continue
        profiles = list(
            PartnerProfile.objects.filter(
                place_path=street.path, organisation__kind=OrganisationKind.PARTNER_UNIT
            ).order_by("organisation_id")
        )
        for i, profile in enumerate(profiles):
            profile.street_big_committee = True
            profile.big_committee = True
            profile.big_committee_community = communities[i % len(communities)]
        fields = ["street_big_committee", "big_committee", "big_committee_community"]
        PartnerProfile.objects.bulk_update(profiles, fields)
        joined = {p.big_committee_community_id for p in profiles}
        for community in communities:
            if community.pk in joined:
                continue
            unit = Organisation.objects.create(
                kind=OrganisationKind.PARTNER_UNIT, name=f"{community.name}社区卫生服务站党支部", home=community,
                place_path=community.path,
            )  # fmt: skip
            PartnerProfile.objects.create(
                organisation=unit, place_path=community.path, big_committee=True, big_committee_community=community,
                party_leader_name="刘书记", joined_on=dt.date(today.year - 1, 3, 1),
            )  # fmt: skip


def _grid_forces() -> None:
    """Seed 002's 物业监督员 (two residents of each compound under a contract in force), seed 001's 民意联络员 (one in
    the compound's first grid) and seed 003's 一长四员 (the company's project manager, a 保洁员 and a 秩序维护员 in that
    grid, from the contract's start). Residents with an account are left out, so no demo user changes role; a compound
    that already has its supervisors is skipped (the hook may run twice). No random draws."""
    from linli.accounts.models import User

    today = timezone.localdate()
    with_account = User.objects.filter(person__isnull=False).values("person_id")
    served = set(Position.objects.filter(kind="property_supervisor").values_list("place_id", flat=True))
    positions: list[Position] = []
    staff: list[PropertyGridStaff] = []
    contracts = PropertyContract.objects.filter(starts_on__lte=today, ends_on__gte=today).select_related("compound")
    for contract in contracts.order_by("compound__path", "id"):
        compound = contract.compound
        if compound.pk in served:
            continue
        served.add(compound.pk)
        people = list(
            Person.objects.filter(place_path__startswith=compound.path, moved_out_on__isnull=True)
            .exclude(pk__in=with_account)
            .order_by("id")
            .values_list("pk", flat=True)[:6]
        )
        if len(people) < 6:
            continue
        start = contract.starts_on
        for pk in people[:2]:
            positions.append(
                Position(person_id=pk, kind="property_supervisor", place=compound, place_path=compound.path,
                         start_date=start)
            )  # fmt: skip
        grid = Place.objects.filter(path__under=compound.path, kind=PlaceKind.GRID).order_by("path").first()
        if grid is None:
            continue
        positions.append(
            Position(person_id=people[2], kind="opinion_liaison", place=grid, place_path=grid.path, start_date=start)
        )
        for pk, role in zip(
            people[3:], (GridStaffRole.MANAGER, GridStaffRole.CLEANING, GridStaffRole.ORDER), strict=True
        ):
            staff.append(
                PropertyGridStaff(company_id=contract.company_id, grid=grid, place_path=grid.path, person_id=pk,
                                  role=role, start_date=start)
            )  # fmt: skip
    Position.objects.bulk_create(positions, batch_size=1000)
    PropertyGridStaff.objects.bulk_create(staff, batch_size=1000)


def _uscc(index: int) -> str:
    from stdnum.cn import uscc

    body = f"91340100MA2N{index:05d}"
    return body + uscc.calc_check_digit(body)


def _committees(rng: random.Random, today: dt.date) -> None:
    members = []
    for committee in Organisation.objects.filter(kind=OrganisationKind.OWNERS_COMMITTEE):
        people = list(
            Person.objects.filter(place_path__startswith=committee.place_path).values_list("pk", flat=True)[:60]
        )
        for i, pk in enumerate(rng.sample(people, min(len(people), rng.choice([5, 7])))):
            members.append(
                CommitteeMember(
                    organisation=committee,
                    person_id=pk,
                    place_path=committee.place_path,
                    role="chair" if i == 0 else "member",
                    term_starts=dt.date(today.year - 1, 1, 1),
                    term_ends=dt.date(today.year + 3, 12, 31),
                    cross_residents_committee=rng.random() < 0.3,
                    cross_branch=rng.random() < 0.3,
                )
            )
    CommitteeMember.objects.bulk_create(members, batch_size=2000)
    party = [m.person_id for m in members if rng.random() < 0.55]
    Person.objects.filter(pk__in=party).update(**party_fields(True))


def _partners_needs_projects(rng: random.Random, today: dt.date) -> None:
    partners = list(Organisation.objects.filter(kind=OrganisationKind.PARTNER_UNIT))
    PartnerProfile.objects.bulk_create(
        PartnerProfile(
            organisation=p,
            place_path=p.place_path,
            big_committee=True,
            party_leader_name=rng.choice(["王", "李", "张", "赵"]) + rng.choice(["书记", "主任"]),
            joined_on=dt.date(today.year - 2, 7, 1),
        )
        for p in partners
    )
    resources = []
    for p in partners:
        for category, title in rng.sample(RESOURCES, 3):
            street = Place.objects.get(path=p.place_path)
            resources.append(
                Resource(partner=p, category=category, title=f"{p.name}{title}", place=street, place_path=street.path)
            )
    Resource.objects.bulk_create(resources)
    compounds = list(Place.objects.filter(kind="compound").order_by("path")[:60])
    for compound in compounds:
        category, title = rng.choice(NEEDS)
        options = [r for r in resources if compound.path.startswith(r.place_path) and r.category == category]
        fate = rng.choice(["open", "matched", "project"]) if options else "open"
        need = Need.objects.create(
            place=compound,
            place_path=compound.path,
            category=category,
            title=title,
            source=rng.choice([NeedSource.RESIDENT, NeedSource.VISIT, NeedSource.REQUEST]),
            status=NeedStatus.OPEN if fate == "open" else NeedStatus.MATCHED,
            resource=options[0] if fate != "open" else None,
            matched_at=timezone.now() if fate != "open" else None,
        )
        if fate == "project":
            resource = options[0]
            project = Project.objects.create(
                place=compound,
                place_path=compound.path,
                title=f"{compound.name}{title.replace('需要', '')}微项目",
                need=need,
                budget=Decimal(rng.choice([800, 1500, 2600])),
                status=ProjectStatus.ACCEPTED,
                beneficiaries=rng.randint(20, 200),
                acceptance_note="居民代表验收合格",
                accepted_at=timezone.now() - dt.timedelta(days=rng.randint(1, 60)),
            )
            project.partners.set([resource.partner])
            ProjectEvent.objects.bulk_create(
                ProjectEvent(project=project, from_status=a, to_status=b)
                for a, b in [
                    ("", "proposed"),
                    ("proposed", "approved"),
                    ("approved", "executing"),
                    ("executing", "accepted"),
                ]
            )
            need.status = NeedStatus.CLOSED
            need.evidence = f"微项目“{project.title}”已验收"
            need.closed_at = project.accepted_at
            need.save(update_fields=["status", "evidence", "closed_at"])


def _funds(rng: random.Random, today: dt.date) -> None:
    from linli.accounts.models import User

    recorder = User.objects.filter(username="street").first() or User.objects.order_by("pk").first()
    if recorder is None:
        return
    branches = list(PartyOrg.objects.filter(kind=PartyOrgKind.BRANCH).select_related("place"))
    funds = Fund.objects.bulk_create(
        Fund(name=f"{b.name}党建经费", holder=FundHolder.BRANCH, party_org=b, place=b.place, place_path=b.place.path)
        for b in branches
    )
    entries = []
    for fund in funds:
        entries.append(
            FundEntry(
                fund=fund,
                kind=FundEntryKind.STARTUP,
                amount=Decimal(3000),
                on_date=dt.date(today.year - 1, 3, 1),
                note="支部启动经费",
                approver=recorder,
                recorded_by=recorder,
            )
        )
        entries.append(
            FundEntry(
                fund=fund,
                kind=FundEntryKind.ANNUAL,
                amount=Decimal(2000),
                on_date=dt.date(today.year, 1, 15),
                note="年度工作经费",
                approver=recorder,
                recorded_by=recorder,
            )
        )
        spent = Decimal(rng.choice([0, 480, 1250, 2600]))
        if spent:
            entries.append(
                FundEntry(
                    fund=fund,
                    kind=FundEntryKind.SPEND,
                    amount=-spent,
                    on_date=today - dt.timedelta(days=rng.randint(1, 90)),
                    note="组织党员志愿服务活动",
                    receipt_number=f"FP{fund.pk:05d}",
                    approver=recorder,
                    recorded_by=recorder,
                )
            )
    FundEntry.objects.bulk_create(entries, batch_size=2000)


def _charters(today: dt.date) -> None:
    """The register of compound rules (seed 002: 把加强党的领导写入“小区管理规约”“小区文明公约”), by the compound's
    place in the tree, without drawing from the shared random generator (the rest of the demo stays as it was).
    Of every four compounds the first two have a 管理规约 in force that writes in the party's leadership, the third
    one that does not, the fourth none; two of every three have a 文明公约; every eighth keeps the older
    management covenant its new one superseded."""
    from linli.accounts.models import User

    recorder = User.objects.filter(username="street").first() or User.objects.order_by("pk").first()
    if recorder is None:
        return
    compounds = list(Place.objects.filter(kind="compound").order_by("path"))
    current: list[CompoundCharter] = []
    older: list[tuple[int, CompoundCharter]] = []
    for i, compound in enumerate(compounds):
        common = {"compound": compound, "place_path": compound.path, "recorded_by": recorder}
        if i % 4 != 3:
            leadership = i % 4 != 2
            current.append(
                CompoundCharter(
                    kind=CharterKind.MANAGEMENT_COVENANT,
                    title=f"{compound.name}管理规约",
                    adopted_on=dt.date(today.year - 1 - i % 3, 3 + i % 9, 1 + i % 27),
                    adopted_how=CharterAdoption.OWNERS_ASSEMBLY,
                    party_leadership=leadership,
                    summary="明确小区党支部领导下的业委会、物业服务企业协商议事机制。"
                    if leadership
                    else "共有部分使用、维修资金、物业服务监督等事项。",
                    **common,
                )
            )
            if i % 8 == 0:
                older.append(
                    (
                        len(current) - 1,
                        CompoundCharter(
                            kind=CharterKind.MANAGEMENT_COVENANT,
                            title=f"{compound.name}管理规约(旧版)",
                            adopted_on=dt.date(today.year - 6, 5, 1),
                            adopted_how=CharterAdoption.COMMITTEE,
                            party_leadership=False,
                            status=CharterStatus.SUPERSEDED,
                            **common,
                        ),
                    )
                )
        if i % 3 != 2:
            current.append(
                CompoundCharter(
                    kind=CharterKind.CIVILITY_PACT,
                    title=f"{compound.name}文明公约",
                    adopted_on=dt.date(today.year - 1, 6, 1 + i % 28),
                    adopted_how=CharterAdoption.RESIDENTS_MEETING,
                    party_leadership=i % 2 == 0,
                    summary="邻里互助、垃圾分类、文明养犬、楼道不堆物。",
                    **common,
                )
            )
    made = CompoundCharter.objects.bulk_create(current, batch_size=1000)
    for index, old in older:
        old.superseded_by = made[index]
    CompoundCharter.objects.bulk_create([old for _index, old in older], batch_size=1000)
