"""What every module generator reads once: the place tree, households and their residents, who holds which
position, the accounts staff record with, and the span of days the volume covers (the last ``years`` years up
to today, in the deployment's time zone)."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from linli.core.scale.bulk import insert_tuples
from linli.people.models import Person, Position
from linli.places.models import Household, Place, PlaceKind

STEP = Place.steplen
# Positions whose holders do the work the volume records (visits, duty shifts, meetings attended as secretary,
# activities organised) and so record it under an account of their own.
WORKING_KINDS = ("grid_worker", "community_secretary", "community_staff", "branch_secretary", "street_staff")


Rows = list[tuple[Any, ...]]  # rows for ``insert_tuples``


@dataclass(frozen=True)
class Node:
    id: int
    path: str
    kind: str
    name: str


@dataclass(frozen=True)
class Holder:
    person_id: int
    place_id: int
    path: str
    party_org_id: int | None


@dataclass
class District:
    """The scale district as the generators need it, read in a handful of statements."""

    rng: random.Random
    today: dt.date
    first: dt.date  # the span's first day
    tz: Any
    admin_id: int
    nodes: dict[str, Node] = field(default_factory=dict)
    by_kind: dict[str, list[Node]] = field(default_factory=lambda: defaultdict(list))
    # households: (id, unit place id, unit path), in path order
    households: list[tuple[int, int, str]] = field(default_factory=list)
    # residents living in each household (not moved out), in id order
    members: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    person_path: dict[int, str] = field(default_factory=dict)  # every living resident's place path
    party: set[int] = field(default_factory=set)  # residents who are party members
    birth_year: dict[int, int] = field(default_factory=dict)
    holders: dict[str, list[Holder]] = field(default_factory=lambda: defaultdict(list))
    accounts: dict[int, int] = field(default_factory=dict)  # person id → user id

    @property
    def now(self) -> dt.datetime:
        return timezone.now()

    def at(self, day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.tz)

    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range((self.today - self.first).days + 1)]

    def months(self) -> list[dt.date]:
        """The first day of each month the span touches."""
        out, day = [], self.first.replace(day=1)
        while day <= self.today:
            out.append(day)
            day = (day + dt.timedelta(days=32)).replace(day=1)
        return out

    def under(self, kind: str, path: str) -> list[Node]:
        return [n for n in self.by_kind[kind] if n.path.startswith(path)]

    def up(self, path: str, kind: str) -> Node | None:
        """The node of ``kind`` at or above ``path``."""
        for n in range(len(path), 0, -STEP):
            node = self.nodes.get(path[:n])
            if node is not None and node.kind == kind:
                return node
        return None

    def user_of(self, person_id: int | None) -> int:
        """The account a person records with (the administrator's when they have none)."""
        return self.accounts.get(person_id or 0, self.admin_id)

    def holder_at(self, kind: str, path: str) -> Holder | None:
        """The first current holder of ``kind`` at the node ``path`` itself."""
        return next((h for h in self.holders[kind] if h.path == path), None)


def load(rng: random.Random, *, years: int) -> District:
    """Read the district. Refuses (``ValueError``) a database without a district or a superuser."""
    if (
        not Place.objects.filter(kind=PlaceKind.DISTRICT).exists()
        and not Place.objects.filter(kind=PlaceKind.STREET).exists()
    ):
        raise ValueError("no district or street: build one first (generate_scale, or demo)")
    User = get_user_model()
    admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if admin is None:
        raise ValueError("no active superuser: the volume's records need a recorder")
    today = timezone.localdate()
    try:
        first = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        first = today.replace(year=today.year - years, day=28)
    d = District(rng=rng, today=today, first=first, tz=timezone.get_current_timezone(), admin_id=admin.pk)
    for pk, path, kind, name in Place.objects.order_by("path").values_list("id", "path", "kind", "name"):
        node = Node(pk, path, kind, name)
        d.nodes[path] = node
        d.by_kind[kind].append(node)
    d.households = list(Household.objects.order_by("place_path", "id").values_list("id", "place_id", "place_path"))
    living = Person.objects.filter(moved_out_on__isnull=True, anonymised_at__isnull=True)
    for pk, household, path, is_party, born in living.order_by("id").values_list(
        "id", "household_id", "place_path", "is_party_member", "birth_date"
    ):
        d.person_path[pk] = path
        if household is not None:
            d.members[household].append(pk)
        if is_party and household is not None:
            d.party.add(pk)
        if born is not None:
            d.birth_year[pk] = born.year
    positions = Position.objects.filter(end_date__isnull=True).order_by("place_path", "id")
    for person, kind, place, path, org in positions.values_list(
        "person_id", "kind", "place_id", "place_path", "party_org_id"
    ):
        d.holders[kind].append(Holder(person, place, path, org))
    d.accounts = dict(User.objects.exclude(person=None).values_list("person_id", "pk"))
    return d


def backdate_positions(d: District) -> int:
    """Current holders of the working positions whose position began inside the span are taken to have held it
    since the span's first day: the records of the span name them (a grid worker's visits three years ago, the
    secretary 列席 at a meeting), and every figure that checks who held a post on the day (业委会会议 列席) must
    find them. The scale builder starts every position on one arbitrary day (2025-01-01). Returns how many."""
    return Position.objects.filter(kind__in=WORKING_KINDS, end_date__isnull=True, start_date__gt=d.first).update(
        start_date=d.first
    )


def staff_accounts(d: District) -> int:
    """An account for each current holder of a working position who has none (no usable password: they are
    records' authors, not logins of the benchmark). Returns how many were created."""
    User = get_user_model()
    wanted = sorted({h.person_id for kind in WORKING_KINDS for h in d.holders[kind]} - set(d.accounts))
    if not wanted:
        return 0
    rows = ((f"staff-{pk}", "!", True, pk, d.now) for pk in wanted)  # "!": Django's unusable password
    made = insert_tuples(User, ["username", "password", "is_active", "person_id", "date_joined"], rows)
    d.accounts.update(User.objects.filter(person_id__in=wanted).values_list("person_id", "pk"))
    return made
