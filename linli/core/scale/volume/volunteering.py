"""Volunteering at district volume: each street issues its 双报到积分管理办法 every year; two in three in-service
party members report to their residential community (双报到, approved); about 4% of residents volunteer (the
reported members, two in five other party members, and other residents); every community runs five teams and
three activities a week, every street one (capacity 10–40, filled 60–100%); the past ones are confirmed — 92% of
those signed up checked in and out, hours and points awarded as ``activity_confirm`` awards them (10 志愿积分 an
hour; 党员积分 by the street's rule of the year); each community collects about 60 微心愿 a year, 85% fulfilled and
rated, each earning the helper 10 志愿积分 (and 党员积分 by the rule). Every award is one ``PointEntry`` (source key
``activity:<signup>`` / ``wish:<wish>``) and each ``PointAccount`` holds the sum of its entries (balance and
earned: nothing is redeemed); each activity's ``signed_count`` is its signed-up rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from linli.core.scale.bulk import fix_sequence, insert_tuples, next_id
from linli.core.scale.volume.district import STEP, District
from linli.partylife.models import Employment, Membership
from linli.tickets.models import Rating
from linli.volunteering import demo as volunteering_demo
from linli.volunteering.demo import SKILLS, WISHES
from linli.volunteering.models import (
    Activity,
    ActivityStatus,
    EntryReason,
    PartyPointRule,
    PointAccount,
    PointEntry,
    PointKind,
    RegistrationStatus,
    Signup,
    SignupStatus,
    Team,
    TeamKind,
    TeamMember,
    VolunteerProfile,
    Wish,
    WishStatus,
    WorkplaceRegistration,
)

TEAMS = [
    ("党员志愿服务队", TeamKind.PARTY),
    ("在职党员志愿服务队", TeamKind.IN_SERVICE),
    ("邻里互助队", TeamKind.RESIDENT),
    ("银龄互助队", TeamKind.RESIDENT),
    ("樂貝亲子志愿队", TeamKind.SOCIAL_ORG),
]
ACTIVITIES = [*volunteering_demo.ACTIVITIES, "助老送餐", "楼道清理"]  # the demo's, and more for variety
WORKPLACES = [*volunteering_demo.WORKPLACES, "区财政局党支部"]  # the demo's, and more for variety
WISH_POINTS = 10  # linli.volunteering.wishes.WISH_POINTS
POINTS_PER_HOUR = 10

Entry = tuple[
    dt.datetime, int, str, int, str, str, str, int | None
]  # at, person, kind, amount, reason, note, key, actor


MARKER = Activity  # rows here mean the step has run


def build(d: District, progress: Any) -> dict[str, int]:
    rng = d.rng
    counts: dict[str, int] = {}
    streets, communities = d.by_kind["street"], d.by_kind["community"]
    # 积分管理办法: a version a year at every street.
    rule_of: dict[tuple[str, int], int] = {}  # (street path, year) → 党员积分 an activity (and a wish)
    rules = []
    for street in streets:
        for year in range(d.first.year, d.today.year + 1):
            per = 2 if year < d.today.year else rng.choice([2, 3])
            rule_of[(street.path, year)] = per
            rules.append(
                (
                    street.id,
                    year,
                    f"{street.name}“双报到”积分管理办法({year}年版)",
                    per,
                    2,
                    per,
                    rng.choice([6, 8]),
                    rng.choice([3, 4]),
                    d.admin_id,
                    d.at(dt.date(year, 1, 5)),
                )
            )
    counts["party point rules"] = insert_tuples(
        PartyPointRule,
        [
            "place_id",
            "year",
            "title",
            "points_per_activity",
            "points_per_order",
            "points_per_wish",
            "annual_points",
            "annual_services",
            "set_by_id",
            "updated_at",
        ],
        rules,
    )

    def party_points(path: str, at: dt.datetime) -> int:
        return rule_of.get((path[: 2 * STEP], at.year), 0)

    # 双报到: two in three in-service party members report to the community they live in.
    in_service = list(
        Membership.objects.filter(left_on__isnull=True, employment=Employment.IN_SERVICE)
        .order_by("person_id")
        .values_list("person_id", flat=True)
    )
    reported: set[int] = set()
    registrations = []
    for person in in_service:
        if person not in d.party:
            continue  # a secretary on the staff of a node, not a resident of it
        path = d.person_path.get(person, "")
        community = d.nodes.get(path[: 3 * STEP])
        if community is None or community.kind != "community" or rng.random() > 0.7:
            continue
        roll = rng.random()
        status = (
            RegistrationStatus.APPROVED
            if roll < 0.93
            else RegistrationStatus.PENDING
            if roll < 0.98
            else RegistrationStatus.REJECTED
        )
        submitted = d.at(d.first + dt.timedelta(days=rng.randrange(max(1, (d.today - d.first).days - 30))))
        decided = submitted + dt.timedelta(days=rng.randint(1, 5)) if status != RegistrationStatus.PENDING else None
        secretary = d.holder_at("community_secretary", community.path)
        registrations.append(
            (
                person,
                community.id,
                community.path,
                rng.choice(WORKPLACES),
                status,
                submitted,
                d.user_of(secretary.person_id) if decided and secretary else None,
                decided,
                "材料不全" if status == RegistrationStatus.REJECTED else "",
            )
        )
        if status == RegistrationStatus.APPROVED:
            reported.add(person)
    counts["双报到 registrations"] = insert_tuples(
        WorkplaceRegistration,
        [
            "person_id",
            "community_id",
            "place_path",
            "workplace_name",
            "status",
            "submitted_at",
            "decided_by_id",
            "decided_at",
            "note",
        ],
        registrations,
    )

    # Volunteers by community: the reported members, two in five other party members, 3% of other residents.
    volunteers: dict[str, list[int]] = defaultdict(list)
    for household_members in d.members.values():
        for person in household_members:
            share = 1.0 if person in reported else 0.4 if person in d.party else 0.03
            if rng.random() < share:
                volunteers[d.person_path[person][: 3 * STEP]].append(person)
    counts["volunteer profiles"] = insert_tuples(
        VolunteerProfile,
        ["person_id", "place_path", "skills", "availability", "updated_at"],
        ((p, d.person_path[p], rng.choice(SKILLS), "周末", d.at(d.first)) for ps in volunteers.values() for p in ps),
    )

    # Teams: five a community, two a street.
    team_id = next_id(Team)
    teams: list[tuple[Any, ...]] = []
    members: list[tuple[Any, ...]] = []
    teams_at: dict[str, list[int]] = defaultdict(list)
    for place in [*communities, *streets]:
        pool = [p for path, ps in volunteers.items() if path.startswith(place.path) for p in ps]
        if not pool:
            continue
        for name, kind in TEAMS if place.kind == "community" else TEAMS[:2]:
            chosen = rng.sample(pool, min(len(pool), rng.randint(20, 40)))
            teams.append((team_id, place.id, place.path, f"{place.name}{name}", chosen[0], kind, d.at(d.first)))
            members.extend((team_id, p, d.at(d.first)) for p in chosen)
            teams_at[place.path].append(team_id)
            team_id += 1
    counts["volunteer teams"] = insert_tuples(
        Team, ["id", "place_id", "place_path", "name", "leader_id", "kind", "created_at"], teams
    )
    counts["team members"] = insert_tuples(TeamMember, ["team_id", "person_id", "joined_at"], members)
    fix_sequence(Team)

    entries: list[Entry] = []
    counts.update(_activities(d, volunteers, teams_at, party_points, entries, progress))
    counts.update(_wishes(d, volunteers, party_points, entries))
    counts.update(_points(d, entries))
    return counts


def _organiser(d: District, path: str) -> int:
    holder = d.holder_at("community_staff", path) or d.holder_at("community_secretary", path)
    holder = holder or d.holder_at("street_staff", path)
    return d.user_of(holder.person_id if holder else None)


def _activities(
    d: District,
    volunteers: dict[str, list[int]],
    teams_at: dict[str, list[int]],
    party_points: Any,
    entries: list[Entry],
    progress: Any,
) -> dict[str, int]:
    rng = d.rng
    now = d.now
    activity_id, signup_id = next_id(Activity), next_id(Signup)
    weeks = (d.today - d.first).days // 7 + 2  # to two weeks ahead: published, open for sign-up
    places = [(c, 3) for c in d.by_kind["community"]] + [(s, 1) for s in d.by_kind["street"]]
    plans = []
    for place, per_week in places:
        pool = [p for path, ps in volunteers.items() if path.startswith(place.path) for p in ps]
        if not pool or not teams_at.get(place.path):
            continue
        for week in range(weeks):
            for _ in range(per_week):
                day = d.first + dt.timedelta(days=7 * week + rng.randrange(7))
                plans.append((d.at(day, rng.randint(8, 15)), place, pool))
    plans.sort(key=lambda p: p[0])
    n_activities = n_signups = 0
    activities, signups = [], []
    for starts, place, pool in plans:
        hours = rng.choice([2, 3, 4])
        ends = starts + dt.timedelta(hours=hours)
        if starts <= now < ends:
            continue  # under way: neither open nor done
        capacity = rng.randint(10, 40)
        cancelled = rng.random() < 0.02
        organiser = _organiser(d, place.path)
        title = rng.choice(ACTIVITIES)
        signed = [] if cancelled else rng.sample(pool, min(len(pool), int(capacity * rng.uniform(0.6, 1.0))))
        done = ends < now
        for person in signed:
            checked = done and rng.random() < 0.92
            confirmed = ends + dt.timedelta(hours=rng.randint(1, 48)) if checked else None
            if confirmed is not None and confirmed >= now:
                confirmed = None
            hours_done = Decimal(hours) if confirmed else None
            signups.append(
                (
                    signup_id,
                    activity_id,
                    person,
                    place.path,
                    SignupStatus.SIGNED,
                    starts - dt.timedelta(days=3),
                    starts - dt.timedelta(minutes=5) if checked else None,
                    ends + dt.timedelta(minutes=5) if checked else None,
                    hours_done,
                    organiser if confirmed else None,
                    confirmed,
                )
            )
            if confirmed is not None:
                note = f"{title} {hours_done} 小时"
                key = f"activity:{signup_id}"
                entries.append(
                    (
                        confirmed,
                        person,
                        PointKind.VOLUNTEER,
                        hours * POINTS_PER_HOUR,
                        EntryReason.HOURS,
                        note,
                        key,
                        organiser,
                    )
                )
                party = party_points(place.path, confirmed) if person in d.party else 0
                if party:
                    entries.append((confirmed, person, PointKind.PARTY, party, EntryReason.HOURS, note, key, organiser))
            signup_id += 1
        activities.append(
            (
                activity_id,
                place.id,
                place.path,
                rng.choice(teams_at[place.path]),
                title,
                f"{place.name}党群服务中心",
                starts,
                ends,
                capacity,
                POINTS_PER_HOUR,
                ActivityStatus.CANCELLED if cancelled else ActivityStatus.PUBLISHED,
                len(signed),
                organiser,
                starts - dt.timedelta(days=7),
            )
        )
        activity_id += 1
        if len(signups) > 100_000:
            n_activities, n_signups = _write(activities, signups, n_activities, n_signups)
            activities, signups = [], []
            progress(f"    activities to {starts:%Y-%m-%d}: {n_activities:,} activities, {n_signups:,} sign-ups")
    n_activities, n_signups = _write(activities, signups, n_activities, n_signups)
    fix_sequence(Activity)
    fix_sequence(Signup)
    return {"volunteer activities": n_activities, "activity sign-ups": n_signups}


def _write(activities: list[Any], signups: list[Any], n_activities: int, n_signups: int) -> tuple[int, int]:
    n_activities += insert_tuples(
        Activity,
        [
            "id",
            "place_id",
            "place_path",
            "team_id",
            "title",
            "location",
            "starts_at",
            "ends_at",
            "capacity",
            "points_per_hour",
            "status",
            "signed_count",
            "organiser_id",
            "created_at",
        ],
        activities,
    )
    n_signups += insert_tuples(
        Signup,
        [
            "id",
            "activity_id",
            "person_id",
            "place_path",
            "status",
            "signed_at",
            "checked_in_at",
            "checked_out_at",
            "hours",
            "confirmed_by_id",
            "confirmed_at",
        ],
        signups,
    )
    return n_activities, n_signups


def _wishes(d: District, volunteers: dict[str, list[int]], party_points: Any, entries: list[Entry]) -> dict[str, int]:
    rng = d.rng
    now = d.now
    wish_id = next_id(Wish)
    residents: dict[str, list[int]] = defaultdict(list)
    for household_members in d.members.values():
        for person in household_members:
            residents[d.person_path[person][: 3 * STEP]].append(person)
    rows = []
    span = (d.today - d.first).days
    for community in d.by_kind["community"]:
        people, helpers = residents.get(community.path), volunteers.get(community.path)
        if not people or not helpers:
            continue
        staff = _organiser(d, community.path)
        for _ in range(60 * span // 365):
            wisher = rng.choice(people)
            submitted = d.at(d.first + dt.timedelta(days=rng.randrange(span)), rng.randint(8, 17))
            age = (now - submitted).days
            roll = rng.random()
            claimed = fulfilled = confirmed = None
            status, rating, rating_note, review_note = WishStatus.PUBLISHED, "", "", ""
            helper = None
            if roll < 0.05:
                status, review_note = WishStatus.REJECTED, "不属于微心愿范围,已转相关部门"
            elif roll < (0.9 if age > 30 else 0.5):
                helper = rng.choice(helpers)
                claimed = submitted + dt.timedelta(days=rng.randint(1, 3))
                fulfilled = claimed + dt.timedelta(days=rng.randint(1, 17))
                confirmed = fulfilled + dt.timedelta(days=1)
                if confirmed >= now:
                    status, fulfilled, confirmed = WishStatus.CLAIMED, None, None
                    if claimed >= now:
                        status, claimed, helper = WishStatus.PUBLISHED, None, None
                else:
                    status = WishStatus.CONFIRMED
                    rating = rng.choices([Rating.SATISFIED, Rating.BASIC, Rating.UNSATISFIED], [90, 7, 3])[0]
                    rating_note = "等待时间较长" if rating == Rating.UNSATISFIED else ""
            rows.append(
                (
                    wish_id,
                    wisher,
                    d.person_path[wisher],
                    _place_id(d, wisher),
                    rng.choice(WISHES),
                    status,
                    staff,
                    submitted,
                    helper,
                    claimed,
                    fulfilled,
                    "已圆梦" if fulfilled else "",
                    confirmed,
                    rating,
                    rating_note,
                    review_note,
                )
            )
            if confirmed is not None and helper is not None:
                key, title = f"wish:{wish_id}", rows[-1][4]
                entries.append(
                    (confirmed, helper, PointKind.VOLUNTEER, WISH_POINTS, EntryReason.WISH, title, key, staff)
                )
                party = party_points(d.person_path[wisher], confirmed) if helper in d.party else 0
                if party:
                    entries.append((confirmed, helper, PointKind.PARTY, party, EntryReason.WISH, title, key, staff))
            wish_id += 1
    n = insert_tuples(
        Wish,
        [
            "id",
            "wisher_id",
            "place_path",
            "place_id",
            "title",
            "status",
            "submitted_by_id",
            "submitted_at",
            "claimed_by_id",
            "claimed_at",
            "fulfilled_at",
            "fulfil_note",
            "confirmed_at",
            "rating",
            "rating_note",
            "review_note",
        ],
        rows,
    )
    fix_sequence(Wish)
    return {"wishes": n}


def _place_id(d: District, person: int) -> int:
    return d.nodes[d.person_path[person]].id


def _points(d: District, entries: list[Entry]) -> dict[str, int]:
    """One account per person and kind holding the sum of its entries, then the entries in the order they were
    made."""
    account_id = next_id(PointAccount)
    accounts: dict[tuple[int, str], int] = {}
    totals: dict[int, int] = defaultdict(int)
    rows = []
    entries.sort(key=lambda e: e[0])
    for _at, person, kind, amount, *_rest in entries:
        key = (person, kind)
        if key not in accounts:
            accounts[key] = account_id
            account_id += 1
        totals[accounts[key]] += amount
    made = insert_tuples(
        PointAccount,
        ["id", "person_id", "kind", "place_path", "balance", "earned"],
        ((pk, person, kind, d.person_path[person], totals[pk], totals[pk]) for (person, kind), pk in accounts.items()),
    )
    for at, person, kind, amount, reason, note, source, actor in entries:
        account = accounts[(person, kind)]
        rows.append((account, d.person_path[person], amount, reason, note[:200], source, actor, at))
    n = insert_tuples(
        PointEntry, ["account_id", "place_path", "amount", "reason", "note", "source_key", "actor_id", "at"], rows
    )
    fix_sequence(PointAccount)
    return {"point accounts": made, "point entries": n}
