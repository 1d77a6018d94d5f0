"""Reads of compound governance teams, their standards and duty lists, and the 配齐 figure.

Who sees what: everyone with a scoped position sees the teams and lists in their subtree, and the
compound their subtree lies in — a grid worker or a building head sees their own compound's team and
list (read-only: changes need ``manage``, see ``services``), not the neighbouring compounds, and not the
community's template. Anything else is the same 404 as a missing id.

Every function here costs a fixed number of queries, however many compounds, members or items it reads.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import NotFound
from linli.core.lookups import ancestor_paths, nearest_above
from linli.core.scoping import Scope, get_or_not_found, scope_for
from linli.places.models import Place, PlaceKind
from linli.teams.models import DutyCategory, DutyItem, TeamMember, TeamPost, TeamStandard

# Places a standard may be kept at (the default has none).
STANDARD_PLACE_KINDS: frozenset[str] = frozenset({PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY})
# Places below a compound: a node of these kinds is looked at through the compound it lies in.
BELOW_COMPOUND: frozenset[str] = frozenset({PlaceKind.GRID, PlaceKind.BUILDING, PlaceKind.UNIT})


# ----------------------------------------------------------------------------- scope


@dataclass(frozen=True)
class TeamScope:
    """The user's subtrees (any scoped position) and the paths of the compounds containing one of them."""

    roots: Scope
    compounds: tuple[str, ...] = ()

    def q(self, column: str = "place_path") -> Q:
        condition = self.roots.q(column)
        if self.compounds and not self.roots.everything:
            condition |= Q(**{f"{column}__in": self.compounds})
        return condition

    def covers(self, path: str) -> bool:
        return self.roots.covers(path) or path in self.compounds

    @property
    def empty(self) -> bool:
        return self.roots.empty


def team_scope(user: Any) -> TeamScope:
    """Cached on the user object for the request (one query for the compounds above deep positions)."""
    today = timezone.localdate()
    attribute = f"_linli_team_scope_{today.isoformat()}"
    cached = getattr(user, attribute, None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    roots = scope_for(user)
    compounds: tuple[str, ...] = ()
    if not roots.everything and not roots.empty:
        above = {path for root in roots.paths for path in ancestor_paths(root, Place.steplen)[:-1]}
        if above:
            found = Place.objects.filter(path__in=sorted(above), kind=PlaceKind.COMPOUND).values_list("path", flat=True)
            compounds = tuple(sorted(found))
    scope = TeamScope(roots=roots, compounds=compounds)
    if getattr(user, "is_authenticated", False):
        setattr(user, attribute, scope)
    return scope


def visible_compounds(user: Any) -> QuerySet[Place]:
    return Place.objects.filter(team_scope(user).q("path"), kind=PlaceKind.COMPOUND).order_by("path")


def access_compound(user: Any, pk: Any, *, field: str | None = None) -> Place:
    return get_or_not_found(visible_compounds(user), pk, field=field)  # type: ignore[no-any-return]


def access_community(user: Any, pk: Any, *, field: str | None = None) -> Place:
    """A community in the user's own scope (a grid worker's community is above their scope: 404)."""
    scope = scope_for(user)
    qs = Place.objects.filter(scope.q("path"), kind=PlaceKind.COMMUNITY)
    return get_or_not_found(qs, pk, field=field)  # type: ignore[no-any-return]


def visible_members(user: Any) -> QuerySet[TeamMember]:
    return TeamMember.objects.filter(team_scope(user).q())


def access_member(user: Any, pk: Any) -> TeamMember:
    qs = visible_members(user).select_related("person", "compound")
    return get_or_not_found(qs, pk)  # type: ignore[no-any-return]


def visible_items(user: Any) -> QuerySet[DutyItem]:
    return DutyItem.objects.filter(team_scope(user).q())


def access_item(user: Any, pk: Any) -> DutyItem:
    qs = visible_items(user).select_related("place", "member__person")
    return get_or_not_found(qs, pk)  # type: ignore[no-any-return]


def visible_standards(user: Any) -> QuerySet[TeamStandard]:
    """The default, the standards inside the user's subtrees, and those above them (what their compounds
    follow). Nothing for someone without a scoped position."""
    scope = team_scope(user)
    if scope.empty:
        return TeamStandard.objects.none()
    if scope.roots.everything:
        return TeamStandard.objects.all()
    above = {path for root in scope.roots.paths for path in ancestor_paths(root, Place.steplen)}
    return TeamStandard.objects.filter(scope.roots.q("place_path") | Q(place_path__in=["", *sorted(above)]))


def access_standard(user: Any, pk: Any) -> TeamStandard:
    return get_or_not_found(visible_standards(user).select_related("place"), pk)  # type: ignore[no-any-return]


def coverage_node(user: Any, node_id: Any, *, field: str = "node") -> Place:
    """The node whose teams the user asked about (404 outside their sight, like a missing id), or their top
    node; a grid, building or unit stands for the compound it lies in."""
    scope = team_scope(user)
    if scope.empty:
        raise NotFound(_("未找到该节点,或您无权查看"))
    node: Place | None
    if node_id in (None, ""):
        if scope.roots.everything:
            node = Place.objects.filter(depth=1).order_by("path").first()
        else:
            node = Place.objects.filter(path__in=[*scope.roots.paths, *scope.compounds]).order_by("path").first()
    else:
        node = get_or_not_found(Place.objects.filter(scope.q("path")), node_id, field=field)
    if node is None:
        raise NotFound(_("未找到该节点,或您无权查看"))
    if node.kind in BELOW_COMPOUND:
        compound = Place.objects.filter(
            path__in=ancestor_paths(node.path, Place.steplen), kind=PlaceKind.COMPOUND
        ).first()
        if compound is None or not scope.covers(compound.path):
            raise NotFound(_("未找到该节点,或您无权查看"))
        node = compound
    return node


# ----------------------------------------------------------------------------- standards


def _standards(condition: Q) -> dict[str, TeamStandard]:
    """Standards matching ``condition`` by their place path, each with ``all_posts`` (switched-off ones too,
    in order). Two queries."""
    rows = (
        TeamStandard.objects.filter(condition)
        .select_related("place")
        .prefetch_related(Prefetch("posts", queryset=TeamPost.objects.order_by("sort", "id"), to_attr="all_posts"))
    )
    return {s.place_path: s for s in rows}


def _nearest(path: str, standards: dict[str, TeamStandard]) -> TeamStandard | None:
    return nearest_above(path, standards.values(), lambda s: s.place_path)


def standard_for(path: str) -> TeamStandard | None:
    """The standard a place follows: its own (districts, streets, communities may keep one), the nearest
    above it, or the platform default. ``None`` only if the default was deleted."""
    return _nearest(path, _standards(Q(place_path__in=["", *ancestor_paths(path, Place.steplen)])))


def standard_above(place: Place) -> TeamStandard | None:
    """The standard ``place`` would follow without one of its own."""
    above = ancestor_paths(place.path, Place.steplen)[:-1]
    return _nearest(place.path, _standards(Q(place_path__in=["", *above])))


def active_posts(standard: TeamStandard | None) -> list[TeamPost]:
    if standard is None:
        return []
    posts = getattr(standard, "all_posts", None)
    if posts is None:
        posts = list(standard.posts.order_by("sort", "id"))
    return [p for p in posts if p.active]


def formula(standard: TeamStandard | None) -> str:
    """The standard in the seed's shorthand: "1+1+2N+X" (fixed posts, per-building posts as kN, X when it has
    posts with no number)."""
    parts: list[str] = []
    has_x = False
    for post in active_posts(standard):
        if post.optional:
            has_x = True
            continue
        if post.fixed:
            parts.append(str(post.fixed))
        if post.per_building:
            parts.append(f"{post.per_building}N" if post.per_building > 1 else "N")
    if has_x:
        parts.append("X")
    return "+".join(parts)


def posts_in_use(standard: TeamStandard, code: str) -> tuple[int, int]:
    """(current members, duty items) holding post ``code`` where ``standard`` applies: under its place (the
    default: everywhere) but not under a place that keeps a standard of its own."""
    others = TeamStandard.objects.exclude(pk=standard.pk)
    if standard.place_path:
        others = others.filter(place_path__under=standard.place_path)
    else:
        others = others.exclude(place_path="")
    nested = list(others.values_list("place_path", flat=True))

    def where(qs: QuerySet[Any]) -> QuerySet[Any]:
        if standard.place_path:
            qs = qs.filter(place_path__under=standard.place_path)
        for path in nested:
            qs = qs.exclude(place_path__under=path)
        return qs

    members = where(TeamMember.objects.filter(post=code, ended_on__isnull=True)).count()
    items = where(DutyItem.objects.filter(post=code)).count()
    return members, items


def standard_places(user: Any, *, limit: int = 300) -> list[Place]:
    """Places where the user may keep a standard (``manage`` there): districts, streets, communities."""
    scope = scope_for(user, "manage")
    if scope.empty:
        return []
    return list(Place.objects.filter(scope.q("path"), kind__in=sorted(STANDARD_PLACE_KINDS)).order_by("path")[:limit])


# ----------------------------------------------------------------------------- the 配齐 figure


@dataclass
class PostStatus:
    post: TeamPost
    required: int
    filled: int
    members: list[TeamMember] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return max(0, self.required - self.filled)

    @property
    def optional(self) -> bool:
        return self.post.optional


@dataclass
class CompoundStatus:
    compound: Place
    buildings: int
    standard: TeamStandard | None
    posts: list[PostStatus]
    other_members: list[TeamMember] = field(default_factory=list)  # on posts the standard no longer has

    @property
    def complete(self) -> bool:
        return self.standard is not None and all(p.missing == 0 for p in self.posts)

    @property
    def missing_total(self) -> int:
        return sum(p.missing for p in self.posts)

    @property
    def gaps(self) -> list[PostStatus]:
        return [p for p in self.posts if p.missing]

    @property
    def formula(self) -> str:
        return formula(self.standard)


@dataclass
class Share:
    place: Place
    compounds: int = 0
    complete: int = 0

    @property
    def share(self) -> float | None:
        return round(self.complete / self.compounds, 4) if self.compounds else None


@dataclass
class Coverage:
    node: Place
    as_of: dt.datetime
    rows: list[CompoundStatus]
    children: list[Share]

    @property
    def compounds(self) -> int:
        return len(self.rows)

    @property
    def complete(self) -> int:
        return sum(1 for r in self.rows if r.complete)

    @property
    def share(self) -> float | None:
        return round(self.complete / self.compounds, 4) if self.compounds else None

    @property
    def gaps(self) -> list[tuple[CompoundStatus, PostStatus]]:
        return [(row, post) for row in self.rows for post in row.gaps]


def _common_root(paths: list[str]) -> str:
    """The deepest node above or at every path ("" when they lie in different trees)."""
    first, last = min(paths), max(paths)  # the common prefix of all is the one of the extremes
    length = 0
    while length < min(len(first), len(last)) and first[length] == last[length]:
        length += 1
    return first[: length // Place.steplen * Place.steplen]


def compound_statuses(
    compounds: list[Place], *, standards: dict[str, TeamStandard] | None = None
) -> list[CompoundStatus]:
    """The 配齐 status of each compound: four queries (buildings, members, standards and their posts) however
    many compounds; ``standards`` saves the last two when the caller has them."""
    if not compounds:
        return []
    paths = [c.path for c in compounds]
    root = _common_root(paths)
    buildings: dict[str, int] = {}
    for length in sorted({len(p) for p in paths}):  # one length in a well-formed tree: one query
        rows = Place.objects.filter(kind=PlaceKind.BUILDING)
        if root:
            rows = rows.filter(path__under=root)
        grouped = (
            rows.annotate(prefix=Substr("path", 1, length))
            .filter(prefix__in=[p for p in paths if len(p) == length])
            .values("prefix")
            .annotate(n=Count("pk"))
            .order_by()
        )
        buildings.update({row["prefix"]: row["n"] for row in grouped})
    filled: dict[int, dict[str, int]] = defaultdict(dict)
    members = TeamMember.objects.filter(ended_on__isnull=True)
    members = members.filter(place_path__under=root) if len(compounds) > 50 and root else members
    for row in (
        members.filter(compound_id__in=[c.pk for c in compounds])
        .values("compound_id", "post")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        filled[row["compound_id"]][row["post"]] = row["n"]
    if standards is None:
        prefixes = {prefix for p in paths for prefix in ancestor_paths(p, Place.steplen)}
        standards = _standards(Q(place_path__in=["", *sorted(prefixes)]))
    return [_status(c, buildings.get(c.path, 0), _nearest(c.path, standards), filled.get(c.pk, {})) for c in compounds]


def _status(compound: Place, buildings: int, standard: TeamStandard | None, filled: dict[str, int]) -> CompoundStatus:
    posts = [
        PostStatus(post=p, required=p.required_for(buildings), filled=filled.get(p.code, 0))
        for p in active_posts(standard)
    ]
    return CompoundStatus(compound=compound, buildings=buildings, standard=standard, posts=posts)


def team_coverage(node: Place, *, children: bool = True) -> Coverage:
    """配齐: for every compound under ``node`` (``node`` itself if it is one), its number of buildings N, the
    posts its standard asks for (fixed + per building × N), how many current members hold each, and whether
    none is short; the share of complete compounds for ``node`` and for each of its children. As of now.
    Six queries whatever the number of compounds (docs/metrics.md, "小区治理团队配齐率")."""
    compounds = list(Place.objects.filter(path__under=node.path, kind=PlaceKind.COMPOUND).order_by("path"))
    standards = _standards(
        Q(place_path__in=["", *ancestor_paths(node.path, Place.steplen)]) | Q(place_path__under=node.path)
    )
    statuses = compound_statuses(compounds, standards=standards)
    shares: list[Share] = []
    if children and node.kind != PlaceKind.COMPOUND and statuses:
        kids = list(Place.objects.filter(path__under=node.path, depth=node.depth + 1).order_by("path"))
        by_path = {k.path: Share(place=k) for k in kids}
        cut = len(node.path) + Place.steplen
        for status in statuses:
            share = by_path.get(status.compound.path[:cut])
            if share is not None:
                share.compounds += 1
                share.complete += status.complete
        shares = [s for s in by_path.values() if s.compounds]
    return Coverage(node=node, as_of=timezone.now(), rows=statuses, children=shares)


def compound_team(compound: Place) -> CompoundStatus:
    """One compound's team: its status with the current members of each post (persons loaded), and members
    on posts its standard no longer has (after a move to a community with another standard)."""
    standard = standard_for(compound.path)
    buildings = Place.objects.filter(path__under=compound.path, kind=PlaceKind.BUILDING).count()
    members = list(
        TeamMember.objects.filter(compound=compound, ended_on__isnull=True)
        .select_related("person")
        .order_by("started_on", "id")
    )
    by_post: dict[str, list[TeamMember]] = defaultdict(list)
    for m in members:
        by_post[m.post].append(m)
    status = _status(compound, buildings, standard, {code: len(rows) for code, rows in by_post.items()})
    codes = set()
    for post in status.posts:
        post.members = by_post.get(post.post.code, [])
        codes.add(post.post.code)
    status.other_members = [m for m in members if m.post not in codes]
    return status


def post_names_at(paths: Iterable[str]) -> dict[str, dict[str, str]]:
    """For each path, code → name of the posts of the standard it follows (two queries for all of them)."""
    wanted = sorted(set(paths))
    prefixes = {prefix for p in wanted for prefix in ancestor_paths(p, Place.steplen)}
    standards = _standards(Q(place_path__in=["", *sorted(prefixes)]))
    return {p: post_names(_nearest(p, standards)) for p in wanted}


def post_names(standard: TeamStandard | None) -> dict[str, str]:
    """code → name for every post of the standard (switched-off ones too: old rows still name them)."""
    if standard is None:
        return {}
    posts = getattr(standard, "all_posts", None)
    if posts is None:
        posts = list(standard.posts.all())
    return {p.code: p.name for p in posts}


# ----------------------------------------------------------------------------- people for the team


@dataclass(frozen=True)
class Candidate:
    person: Any
    label: str  # the position that makes them a usual choice, with its place


def member_candidates(compound: Place, *, limit: int = 300) -> list[Candidate]:
    """People holding a position now in the compound's community or below it (社区两委, grid workers,
    building heads, branch secretaries …): the usual team. Others are chosen by their ledger number."""
    seen: dict[int, Candidate] = {}
    for position in (
        _current_positions(compound)
        .select_related("person", "place")
        .order_by("person__name", "person_id", "id")[: limit * 3]
    ):
        person = position.person
        if person.pk in seen or person.moved_out_on or person.anonymised_at:
            continue
        seen[person.pk] = Candidate(person=person, label=f"{position.kind_label} · {position.place.name}")
    return list(seen.values())[:limit]


def _current_positions(compound: Place) -> QuerySet[Any]:
    from linli.people.models import Position

    today = timezone.localdate()
    community_path = compound.path[: -Place.steplen] if compound.depth > 1 else compound.path
    return (
        Position.objects.filter(place_path__under=community_path, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .exclude(kind__in=["department_liaison", "sysadmin"])
    )


def team_person(user: Any, compound: Place, pk: Any, *, field: str = "person_id") -> Any:
    """A person the user may put on the compound's team: one in their ledger scope, or one holding a
    position now in the compound's community. Anyone else is "not found"."""
    from linli.people.models import Person

    holders = _current_positions(compound).values("person_id")
    qs = Person.objects.filter(Q(pk__in=Person.objects.visible_to(user).values("pk")) | Q(pk__in=holders))
    return get_or_not_found(qs, pk, message=_("未找到该人员,或您无权选择"), field=field)


# ----------------------------------------------------------------------------- duty lists


CATEGORY_ORDER = {value: n for n, value in enumerate(DutyCategory.values)}  # 党建, 治理, 服务


def place_items(place: Place) -> list[DutyItem]:
    """The place's list: 党建, 治理, 服务, each by title."""
    items = DutyItem.objects.filter(place=place).select_related("member__person").order_by("title", "id")
    return sorted(items, key=lambda i: CATEGORY_ORDER.get(i.category, len(CATEGORY_ORDER)))


def templates_missing(compound: Place) -> int:
    """Items of the community's template not yet in the compound's list (copied or typed under the same title)."""
    community_path = compound.path[: -Place.steplen]
    if not community_path:
        return 0
    here = DutyItem.objects.filter(place=compound)
    return (
        DutyItem.objects.filter(place__path=community_path, place__kind=PlaceKind.COMMUNITY)
        .exclude(pk__in=here.exclude(source__isnull=True).values("source_id"))
        .exclude(title__in=here.values("title"))
        .count()
    )


def compounds_of(community: Place) -> list[Place]:
    return list(Place.objects.filter(path__under=community.path, kind=PlaceKind.COMPOUND).order_by("path"))


def items_summary(places: Iterable[Place]) -> dict[int, int]:
    """Items per place (one grouped query)."""
    ids = [p.pk for p in places]
    if not ids:
        return {}
    rows = DutyItem.objects.filter(place_id__in=ids).values("place_id").annotate(n=Count("pk")).order_by()
    return {row["place_id"]: row["n"] for row in rows}
