"""Red property and co-building at district volume: every compound a property company serves has had two
contracts (the one before the span and the one in force, with a 党建指导员 — the compound's branch secretary — in
three in five); every 业委会 has served two terms of 5–7 members, about half of them party members; the street
puts about one company in ten on its red list and one in twenty on its black list each year; partner units
offer three resources each and sit on a community's 大党委 (those registered at the street on its 大工委 too, and
on its communities' 大党委 in turn: none is left 未指定社区); every compound raises about four needs a year (seven
in ten closed, a third of those by an accepted micro-project); and each compound's rules stand as the demo's
scheme sets them (管理规约 in three compounds in four, two of them writing in the party's leadership; 文明公约 in
two in three; an older covenant superseded in one in eight)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from linli.cobuilding import demo as cobuilding_demo
from linli.cobuilding.demo import RESOURCES
from linli.cobuilding.models import (
    CharterAdoption,
    CharterKind,
    CharterStatus,
    CommitteeMember,
    CompoundCharter,
    ListEntry,
    ListKind,
    Need,
    NeedSource,
    NeedStatus,
    PartnerProfile,
    Project,
    ProjectEvent,
    ProjectStatus,
    PropertyContract,
    Resource,
    ResourceCategory,
)
from linli.core.scale.bulk import fix_sequence, insert_tuples, next_id
from linli.core.scale.volume.district import STEP, District, Node, Rows
from linli.orgs.models import Organisation, OrganisationKind

MARKER = CommitteeMember  # rows here mean the step has run
NEEDS = [*cobuilding_demo.NEEDS, (ResourceCategory.FUNDS, "儿童游乐设施需要翻新")]  # the demo's, and more for variety


def build(d: District, progress: Any) -> dict[str, int]:
    rng = d.rng
    counts: dict[str, int] = {}
    serves = defaultdict(list)
    for org, place in Organisation.serves.through.objects.values_list("organisation_id", "place_id"):
        serves[org].append(place)
    compounds_by_id = {n.id: n for n in d.by_kind["compound"]}
    orgs = list(Organisation.objects.order_by("pk").values_list("pk", "kind", "home_id", "place_path"))

    contracts = []
    start = dt.date(d.first.year - 2, 1, 1)
    for pk, kind, _home, _path in orgs:
        if kind != OrganisationKind.PROPERTY_COMPANY:
            continue
        for place in serves[pk]:
            compound = compounds_by_id.get(place)
            if compound is None:
                continue
            secretary = d.holder_at("branch_secretary", compound.path)
            for begins in (start, dt.date(start.year + 3, 1, 1)):
                instructor = secretary.person_id if secretary and rng.random() < 0.6 else None
                contracts.append(
                    (
                        pk,
                        compound.id,
                        compound.path,
                        begins,
                        dt.date(begins.year + 2, 12, 31),
                        rng.choice(["一级", "二级", "三级"]),
                        Decimal(rng.choice(["0.85", "1.10", "1.35", "1.60"])),
                        rng.choice(["王", "李", "张", "刘", "陈"]) + "经理",
                        instructor,
                        d.admin_id,
                        d.at(begins),
                    )
                )
    counts["property contracts"] = insert_tuples(
        PropertyContract,
        [
            "company_id",
            "compound_id",
            "place_path",
            "starts_on",
            "ends_on",
            "fee_grade",
            "fee_per_m2",
            "project_manager",
            "instructor_id",
            "created_by_id",
            "created_at",
        ],
        contracts,
    )

    residents: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for household_members in d.members.values():
        for person in household_members:
            residents[d.person_path[person][: 4 * STEP]][person in d.party].append(person)
    members = []
    terms = [
        (dt.date(d.first.year - 3, 7, 1), dt.date(d.first.year + 1, 6, 30)),
        (dt.date(d.first.year + 1, 7, 1), dt.date(d.first.year + 6, 6, 30)),
    ]
    for pk, kind, _home, path in orgs:
        if kind != OrganisationKind.OWNERS_COMMITTEE:
            continue
        others, party = residents.get(path[: 4 * STEP], ([], []))
        for begins, ends in terms:
            size = rng.choice([5, 7])
            chosen = rng.sample(party, min(len(party), size // 2 + rng.randint(0, 1)))
            chosen += rng.sample(others, min(len(others), size - len(chosen)))
            for i, person in enumerate(chosen):
                members.append(
                    (
                        pk,
                        person,
                        path,
                        "chair" if i == 0 else "member",
                        begins,
                        ends,
                        rng.random() < 0.3,
                        person in d.party and rng.random() < 0.4,
                        d.at(begins),
                    )
                )
    counts["owners' committee members"] = insert_tuples(
        CommitteeMember,
        [
            "organisation_id",
            "person_id",
            "place_path",
            "role",
            "term_starts",
            "term_ends",
            "cross_residents_committee",
            "cross_branch",
            "created_at",
        ],
        members,
    )

    entries = []
    for year in range(d.first.year, d.today.year + 1):
        for pk, kind, _home, path in orgs:
            if kind != OrganisationKind.PROPERTY_COMPANY:
                continue
            roll = rng.random()
            if roll < 0.15:
                red = roll < 0.1
                entries.append(
                    (
                        pk,
                        ListKind.RED if red else ListKind.BLACK,
                        f"{year - 1} 年度星级评定{'5' if red else '2'} 星",
                        "",
                        dt.date(year, 1, 1),
                        dt.date(year, 12, 31),
                        d.admin_id,
                        d.at(dt.date(year, 1, 10)),
                        path,
                    )
                )
    counts["red and black list entries"] = insert_tuples(
        ListEntry,
        [
            "organisation_id",
            "kind",
            "reason",
            "evidence",
            "valid_from",
            "valid_until",
            "decided_by_id",
            "decided_at",
            "place_path",
        ],
        entries,
    )
    counts.update(_partners_needs_projects(d, orgs))
    counts.update(_charters(d))
    return counts


def big_committees(d: District, partners: list[tuple[int, int, str]]) -> list[tuple[bool, int | None, bool]]:
    """For each partner unit (in the order given): ``(big_committee, big_committee_community_id,
    street_big_committee)`` by the demo's scheme (``linli.cobuilding.demo._big_committees``), so that no member is
    left 未指定社区. A unit registered in a community (or below one) sits on that community's 大党委; one registered at
    its street sits on the street's 大工委 and on one of the street's communities' 大党委 in turn (the street's units
    in id order, its communities in path order). A unit registered above every street, or in a street without
    communities, names no community and so is put on no 大党委 (a member must name one)."""
    communities_of: dict[str, list[Node]] = defaultdict(list)
    for community in d.by_kind["community"]:
        communities_of[community.path[: 2 * STEP]].append(community)
    turn: dict[str, int] = defaultdict(int)
    out: list[tuple[bool, int | None, bool]] = []
    for _pk, _home, path in partners:
        own = d.up(path, "community")
        if own is not None:
            out.append((True, own.id, False))
            continue
        street = path[: 2 * STEP] if len(path) == 2 * STEP else ""
        choices = communities_of.get(street, []) if street else []
        if not choices:
            out.append((False, None, False))
            continue
        out.append((True, choices[turn[street] % len(choices)].id, True))
        turn[street] += 1
    return out


def _partners_needs_projects(d: District, orgs: list[tuple[int, str, int, str]]) -> dict[str, int]:
    rng = d.rng
    partners = [(pk, home, path) for pk, kind, home, path in orgs if kind == OrganisationKind.PARTNER_UNIT]
    profiles = insert_tuples(
        PartnerProfile,
        [
            "organisation_id",
            "place_path",
            "big_committee",
            "big_committee_community_id",
            "street_big_committee",
            "party_leader_name",
            "joined_on",
        ],
        (
            (pk, path, *committees, rng.choice(["王", "李", "张", "赵"]) + "书记", d.first)
            for (pk, _home, path), committees in zip(partners, big_committees(d, partners), strict=True)
        ),
    )
    resource_id = next_id(Resource)
    resources, by_street = [], defaultdict(list)
    for pk, home, path in partners:
        for category, title in rng.sample(RESOURCES, 3):
            resources.append((resource_id, pk, category, title, home, path, True, d.admin_id, d.at(d.first)))
            by_street[(path[: 2 * STEP], category)].append((resource_id, pk))
            resource_id += 1
    n_resources = insert_tuples(
        Resource,
        ["id", "partner_id", "category", "title", "place_id", "place_path", "active", "created_by_id", "created_at"],
        resources,
    )
    need_id, project_id = next_id(Need), next_id(Project)
    needs, projects, events, partnered = [], [], [], []
    span = (d.today - d.first).days
    for compound in d.by_kind["compound"]:
        for _ in range(4 * span // 365):
            category, title = rng.choice(NEEDS)
            created = d.at(d.first + dt.timedelta(days=rng.randrange(span)), rng.randint(9, 17))
            options = by_street.get((compound.path[: 2 * STEP], category), [])
            roll = rng.random()
            status, resource, matched, closed, evidence = NeedStatus.OPEN, None, None, None, ""
            if options and roll < 0.9:
                resource, partner = rng.choice(options)
                matched = created + dt.timedelta(days=rng.randint(3, 20))
                status = NeedStatus.MATCHED
                if roll < 0.7:
                    closed = matched + dt.timedelta(days=rng.randint(10, 60))
                    status, evidence = NeedStatus.CLOSED, "资源对接到位,居民代表确认"
                if matched >= d.now:
                    status, resource, matched, closed, evidence = NeedStatus.OPEN, None, None, None, ""
                elif closed is not None and closed >= d.now:
                    status, closed, evidence = NeedStatus.MATCHED, None, ""
                if closed is not None and rng.random() < 0.33:
                    evidence = f"微项目“{compound.name}{title}”已验收"
                    projects.append(
                        (
                            project_id,
                            compound.id,
                            compound.path,
                            f"{compound.name}{title[:20]}微项目",
                            need_id,
                            Decimal(rng.choice([800, 1500, 2600, 5000])),
                            ProjectStatus.ACCEPTED,
                            rng.randint(20, 200),
                            "居民代表验收合格",
                            d.admin_id,
                            matched,
                            closed,
                        )
                    )
                    steps = [
                        ("", "proposed"),
                        ("proposed", "approved"),
                        ("approved", "executing"),
                        ("executing", "accepted"),
                    ]
                    assert matched is not None
                    for k, (frm, to) in enumerate(steps):
                        at = matched + (closed - matched) * k / 3
                        events.append((project_id, d.admin_id, at, frm, to))
                    partnered.append((project_id, partner))
                    project_id += 1
            source = rng.choice([NeedSource.RESIDENT, NeedSource.VISIT, NeedSource.REQUEST, NeedSource.STAFF])
            needs.append(
                (
                    need_id,
                    compound.id,
                    compound.path,
                    category,
                    title,
                    source,
                    status,
                    resource,
                    evidence,
                    d.admin_id,
                    created,
                    matched,
                    closed,
                )
            )
            need_id += 1
    counts = {
        "partner profiles": profiles,
        "partner resources": n_resources,
        "needs": insert_tuples(
            Need,
            [
                "id",
                "place_id",
                "place_path",
                "category",
                "title",
                "source",
                "status",
                "resource_id",
                "evidence",
                "raised_by_id",
                "created_at",
                "matched_at",
                "closed_at",
            ],
            needs,
        ),
        "micro-projects": insert_tuples(
            Project,
            [
                "id",
                "place_id",
                "place_path",
                "title",
                "need_id",
                "budget",
                "status",
                "beneficiaries",
                "acceptance_note",
                "proposed_by_id",
                "created_at",
                "accepted_at",
            ],
            projects,
        ),
        "micro-project events": insert_tuples(
            ProjectEvent, ["project_id", "actor_id", "at", "from_status", "to_status"], events
        ),
        "micro-project partners": insert_tuples(Project.partners.through, ["project_id", "organisation_id"], partnered),
    }
    for model in (Resource, Need, Project):
        fix_sequence(model)
    return counts


def _charters(d: District) -> dict[str, int]:
    """The demo's scheme (``linli.cobuilding.demo._charters``), by each compound's place in the tree."""
    charter_id = next_id(CompoundCharter)
    rows: Rows = []
    year = d.today.year
    for i, compound in enumerate(d.by_kind["compound"]):
        common = (compound.id, compound.path, d.admin_id)
        if i % 4 != 3:
            leadership = i % 4 != 2
            current = charter_id
            rows.append(
                (
                    charter_id,
                    *common,
                    CharterKind.MANAGEMENT_COVENANT,
                    f"{compound.name}管理规约",
                    dt.date(year - 1 - i % 3, 3 + i % 9, 1 + i % 27),
                    CharterAdoption.OWNERS_ASSEMBLY,
                    leadership,
                    "明确小区党支部领导下的业委会、物业服务企业协商议事机制。"
                    if leadership
                    else "共有部分使用、维修资金、物业服务监督等事项。",
                    CharterStatus.IN_FORCE,
                    None,
                )
            )
            charter_id += 1
            if i % 8 == 0:
                rows.append(
                    (
                        charter_id,
                        *common,
                        CharterKind.MANAGEMENT_COVENANT,
                        f"{compound.name}管理规约(旧版)",
                        dt.date(year - 6, 5, 1),
                        CharterAdoption.COMMITTEE,
                        False,
                        "",
                        CharterStatus.SUPERSEDED,
                        current,
                    )
                )
                charter_id += 1
        if i % 3 != 2:
            rows.append(
                (
                    charter_id,
                    *common,
                    CharterKind.CIVILITY_PACT,
                    f"{compound.name}文明公约",
                    dt.date(year - 1, 6, 1 + i % 28),
                    CharterAdoption.RESIDENTS_MEETING,
                    i % 2 == 0,
                    "邻里互助、垃圾分类、文明养犬、楼道不堆物。",
                    CharterStatus.IN_FORCE,
                    None,
                )
            )
            charter_id += 1
    n = insert_tuples(
        CompoundCharter,
        [
            "id",
            "compound_id",
            "place_path",
            "recorded_by_id",
            "kind",
            "title",
            "adopted_on",
            "adopted_how",
            "party_leadership",
            "summary",
            "status",
            "superseded_by_id",
        ],
        rows,
    )
    fix_sequence(CompoundCharter)
    return {"compound charters": n}
