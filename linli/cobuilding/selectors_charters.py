"""Reads for the register of compound rules (小区规章制度): who reads which charter, the keyset-paged list, one
charter by id, and the figures under a node.

Who reads:

- staff holding ``manage``, ``handle`` or ``lead`` at the compound or a node above it (community and street
  staff, leaders, the compound's branch secretary): every charter there, whatever its status;
- residents who live in the compound (the ledger, not moved out) or own a dwelling there today: its charters
  **in force**, document included (the rules bind them, and are public to the owners);
- anyone else: the 404 of a missing id (a grid worker outside their home compound, another community's staff).

Figures under a district, street, community or compound (``charter_figures``), in two statements whatever the
size of the subtree:

- 小区数 compounds: the compound nodes under it;
- 管理规约现行 with a management covenant in force; 写入党的领导 those of them whose covenant in force writes in
  the party's leadership; 文明公约现行 with a civility pact in force;
- 写入率 rate: compounds whose covenant in force writes in the party's leadership ÷ compounds, percent to one
  decimal (``None`` without compounds); the same per community.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.cobuilding.models import CharterKind, CharterStatus, CompoundCharter
from linli.core.errors import InvalidInput, NotFound
from linli.core.lookups import ancestor_paths
from linli.core.pagination import Page, keyset_page
from linli.core.scoping import NOT_FOUND_MESSAGE, capabilities_at, get_or_not_found, scope_for_any
from linli.people.models import Ownership, Person
from linli.places.models import Place, PlaceKind

STAFF_CAPABILITIES = ("manage", "handle", "lead")
READ_CAPABILITIES = frozenset({"admin", *STAFF_CAPABILITIES})
FIGURE_KINDS = (PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND)
TENTH = Decimal("0.1")


def may_read_at(user: Any, path: str) -> bool:
    """Staff who read the register at a node: ``manage``, ``handle`` or ``lead`` there or above."""
    return bool(path) and bool(capabilities_at(user, path) & READ_CAPABILITIES)


def _home_q(user: Any) -> Q | None:
    """Charters in force of the compounds the user lives in or owns a dwelling in today (subqueries, no statement
    of their own)."""
    person_id = getattr(user, "person_id", None) if getattr(user, "is_authenticated", False) else None
    if not person_id:
        return None
    today = timezone.localdate()
    lives = Person.objects.filter(
        pk=person_id,
        moved_out_on__isnull=True,
        anonymised_at__isnull=True,
        place_path__startswith=OuterRef("place_path"),
    )
    owns = (
        Ownership.objects.filter(person_id=person_id, place_path__startswith=OuterRef("place_path"))
        .filter(Q(since__isnull=True) | Q(since__lte=today))
        .filter(Q(until__isnull=True) | Q(until__gte=today))
    )
    return Q(status=CharterStatus.IN_FORCE) & (Q(Exists(lives)) | Q(Exists(owns)))


def visible_charters(user: Any) -> QuerySet[CompoundCharter]:
    """The charters the user reads (see the module's docstring)."""
    condition = scope_for_any(user, STAFF_CAPABILITIES).q("place_path")
    home = _home_q(user)
    if home is not None:
        condition |= home
    return CompoundCharter.objects.filter(condition)


def access_charter(user: Any, charter_id: Any, *, lock: bool = False) -> CompoundCharter:
    """One charter the user reads, or 404 (the same for one elsewhere and one that does not exist)."""
    qs: QuerySet[CompoundCharter] = visible_charters(user)
    if lock:
        qs = CompoundCharter.objects.select_for_update().filter(pk__in=qs.values("pk"))
    else:
        qs = qs.select_related("compound", "recorded_by", "repealed_by", "superseded_by")
    return get_or_not_found(qs, charter_id)  # type: ignore[no-any-return]


def charter_document(user: Any, charter_id: Any) -> CompoundCharter:
    """A charter the user reads that has a document (404 when there is none)."""
    charter = access_charter(user, charter_id)
    if not charter.document:
        raise NotFound(_("该规章没有上传文件"))
    return charter


def versions_of(charter: CompoundCharter) -> list[CompoundCharter]:
    """Every version of the compound's charters of the same kind (newest first), for the detail page."""
    return list(
        CompoundCharter.objects.filter(compound_id=charter.compound_id, kind=charter.kind).order_by(
            "-adopted_on", "-id"
        )[:50]
    )


def check_filters(*, kind: str | None = None, status: str | None = None) -> None:
    if kind and kind not in CharterKind.values:
        raise InvalidInput(_("规章类别筛选无效"), field="kind")
    if status and status not in CharterStatus.values:
        raise InvalidInput(_("状态筛选无效"), field="status")


def filtered_charters(
    user: Any,
    *,
    kind: str | None = None,
    status: str | None = None,
    compound_id: int | None = None,
    node: Place | None = None,
) -> QuerySet[CompoundCharter]:
    check_filters(kind=kind, status=status)
    qs = visible_charters(user)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if compound_id:
        qs = qs.filter(compound_id=compound_id)
    if node is not None:
        qs = qs.filter(place_path__under=node.path)
    return qs


def charter_page(
    user: Any,
    *,
    kind: str | None = None,
    status: str | None = None,
    compound_id: int | None = None,
    node: Place | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[CompoundCharter]:
    """Newest first (keyset on id), filtered by kind, status, compound and node; one statement per page."""
    qs = filtered_charters(user, kind=kind, status=status, compound_id=compound_id, node=node)
    return keyset_page(qs.select_related("compound"), key="id", cursor=cursor, limit=limit, descending=True)


# ----------------------------------------------------------------------------- figures


def figures_node(user: Any, pk: Any, *, field: str | None = None) -> Place:
    """A district, street, community or compound whose figures the user reads (staff there or above); anything
    else is the 404 of a missing id."""
    node: Place = get_or_not_found(Place.objects.filter(kind__in=FIGURE_KINDS), pk, field=field)
    if not may_read_at(user, node.path):
        raise NotFound(_(NOT_FOUND_MESSAGE), field=field)
    return node


def default_node(user: Any) -> Place | None:
    """Where the staff's list and figures start: the outermost district, street, community or compound in which
    they read the register."""
    scope = scope_for_any(user, STAFF_CAPABILITIES)
    if scope.empty:
        return None
    qs = Place.objects.filter(scope.q("path"), kind__in=FIGURE_KINDS)
    return qs.order_by("depth", "path").first()  # type: ignore[no-any-return]


def _percent(part: int, whole: int) -> Decimal | None:
    return (Decimal(100) * part / whole).quantize(TENTH, rounding=ROUND_HALF_UP) if whole else None


@dataclass
class CharterCounts:
    compounds: int = 0
    with_covenant: int = 0  # 管理规约 in force
    with_party_leadership: int = 0  # … that writes in the party's leadership
    with_civility_pact: int = 0  # 文明公约 in force

    @property
    def rate(self) -> Decimal | None:
        """管理规约写入党的领导 ÷ compounds, percent."""
        return _percent(self.with_party_leadership, self.compounds)

    def add(self, path: str, covenant: set[str], party: set[str], civility: set[str]) -> None:
        self.compounds += 1
        self.with_covenant += path in covenant
        self.with_party_leadership += path in party
        self.with_civility_pact += path in civility


@dataclass
class CommunityCharters(CharterCounts):
    community: Place | None = None


@dataclass
class CharterFigures(CharterCounts):
    node: Place | None = None
    rows: list[CommunityCharters] = field(default_factory=list)


def charter_figures(node: Place) -> CharterFigures:
    """The figures under ``node`` (see the module's docstring), with a row per community: two statements, the
    places and the charters in force, whatever the subtree. Who may read them is the caller's check
    (``figures_node``)."""
    ancestors = ancestor_paths(node.path, Place.steplen)
    places = list(
        Place.objects.filter(
            Q(kind=PlaceKind.COMPOUND, path__under=node.path)
            | Q(kind=PlaceKind.COMMUNITY) & (Q(path__under=node.path) | Q(path__in=ancestors))
        ).order_by("path")
    )
    rows = {p.path: CommunityCharters(community=p) for p in places if p.kind == PlaceKind.COMMUNITY}
    covenant: set[str] = set()
    party: set[str] = set()
    civility: set[str] = set()
    in_force = CompoundCharter.objects.filter(
        place_path__under=node.path,
        status=CharterStatus.IN_FORCE,
        kind__in=[CharterKind.MANAGEMENT_COVENANT, CharterKind.CIVILITY_PACT],
    ).values_list("place_path", "kind", "party_leadership")
    for path, kind, leadership in in_force:
        if kind == CharterKind.MANAGEMENT_COVENANT:
            covenant.add(path)
            if leadership:
                party.add(path)
        else:
            civility.add(path)
    figures = CharterFigures(node=node)
    for place in places:
        if place.kind != PlaceKind.COMPOUND:
            continue
        figures.add(place.path, covenant, party, civility)
        row = next((rows[p] for p in ancestor_paths(place.path, Place.steplen) if p in rows), None)
        if row is not None:
            row.add(place.path, covenant, party, civility)
    figures.rows = list(rows.values())
    return figures
