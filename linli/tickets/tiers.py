"""At which level a request was resolved: 小事不出小区、大事不出街道 (docs/metrics.md, "Resolution tiers").

Every event that hands a request to a unit (``accept``, ``assign``, ``transfer``, ``escalate``, and the
automatic dispatch at intake) records, in its ``data``, which levels that unit lies above:

- ``left_compound``: above the compound — a community or higher place node, or an organisation that is
  not a compound's own (a department, or one registered above the compound whose service area is not
  all at compound level or below);
- ``left_community``: above the community — a street or district node, a department, or an organisation
  registered at street level or above (the flag behind ``grassroots``);
- ``left_street``: above the street — a district node, or an organisation registered at the district.

The three are nested by construction (``left_street`` ⇒ ``left_community`` ⇒ ``left_compound``), so
``in_compound`` ⊆ ``grassroots`` ⊆ ``in_street`` for every request.

Events written before ``left_compound``/``left_street`` existed have only ``left_community``; the
request event table is append-only (a database trigger refuses updates), so they are not backfilled:
``event_left`` derives the missing flags when folding. What ``left_community`` proves is used first
(false ⇒ the unit stayed in the street; true ⇒ it left the compound); the other flag comes from the
unit the event names — a place node's kind (in ``unit_kind``, exact), or the organisation's kind, home
and service area (``OrgLevels``: the kind and home of a registration never change; the service area
is read as it stands now). A unit that cannot be identified (no ``place_id``/``organisation_id``, or an
organisation since deleted) is not credited with the tier: the missing flag is taken as true.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from linli.orgs.models import Organisation, OrganisationKind
from linli.places.models import PlaceKind

COMPOUND_OR_BELOW = frozenset({PlaceKind.COMPOUND, PlaceKind.GRID, PlaceKind.BUILDING, PlaceKind.UNIT})
ABOVE_COMMUNITY = frozenset({PlaceKind.STREET, PlaceKind.DISTRICT})
ABOVE_STREET = frozenset({PlaceKind.DISTRICT})
FLAGS = ("left_compound", "left_community", "left_street")


class Left(NamedTuple):
    """Whether a unit (or, folded, any unit of a request) lies above the compound / community / street."""

    compound: bool
    community: bool
    street: bool

    def data(self) -> dict[str, bool]:
        return {"left_compound": self.compound, "left_community": self.community, "left_street": self.street}


STAYED = Left(False, False, False)


def place_left(kind: str) -> Left:
    """A place node as the handling unit: its kind says it all."""
    return Left(kind not in COMPOUND_OR_BELOW, kind in ABOVE_COMMUNITY, kind in ABOVE_STREET)


def org_left(kind: str, home_kind: str, served_kinds: Iterable[str] = ()) -> Left:
    """An organisation as the handling unit. A department (职能部门) has left the community wherever it is
    registered, and stays in the street when registered at the street. An organisation is a compound's own
    when registered at a compound or below (owners' committee, supervisory board) or when everything it
    serves lies at compound level or below (a property company registered at the community for the
    compounds it manages). ``served_kinds`` is read only in that last case."""
    community = kind == OrganisationKind.DEPARTMENT or home_kind in ABOVE_COMMUNITY
    if community or home_kind in COMPOUND_OR_BELOW:
        compound = community
    else:
        served = set(served_kinds)
        compound = not (served and served <= COMPOUND_OR_BELOW)
    return Left(compound, community, home_kind in ABOVE_STREET)


def needs_service_area(kind: str, home_kind: str) -> bool:
    return kind != OrganisationKind.DEPARTMENT and home_kind not in ABOVE_COMMUNITY | COMPOUND_OR_BELOW


@dataclass(frozen=True)
class OrgFacts:
    kind: str
    home_kind: str
    served_kinds: frozenset[str]


class OrgLevels(dict[int, OrgFacts | None]):
    """The organisations named by events written before the new flags, each read once (``None``: deleted)."""

    def ensure(self, ids: Iterable[int]) -> None:
        missing = {i for i in ids if i not in self}
        if missing:
            self._load(Organisation.objects.filter(pk__in=missing), missing)

    @classmethod
    def everything(cls) -> OrgLevels:
        """Every organisation (a registration list: thousands of rows at district scale), for a full refold."""
        levels = cls()
        levels._load(Organisation.objects.all(), set())
        return levels

    def _load(self, orgs: Any, ids: set[int]) -> None:
        rows = list(orgs.order_by().values_list("id", "kind", "home__kind"))
        wanted = [i for i, kind, home in rows if needs_service_area(kind, home)]
        served: dict[int, set[str]] = {i: set() for i in wanted}
        if wanted:
            through = Organisation.serves.through.objects.filter(organisation_id__in=wanted)
            for org_id, place_kind in through.values_list("organisation_id", "place__kind"):
                served[org_id].add(place_kind)
        for i in ids:
            self[i] = None
        for i, kind, home in rows:
            self[i] = OrgFacts(kind, home, frozenset(served.get(i, ())))


def stale_orgs(events: Iterable[Mapping[str, Any]]) -> set[int]:
    """Organisations named by hand-over events that lack one of the new flags."""
    out: set[int] = set()
    for e in events:
        d = e["data"]
        if "left_community" in d and not ("left_compound" in d and "left_street" in d) and "organisation_id" in d:
            out.add(int(d["organisation_id"]))
    return out


def event_left(data: Mapping[str, Any], orgs: Mapping[int, OrgFacts | None]) -> Left:
    """The levels one event's unit lies above (all false for events that hand over nothing)."""
    community = bool(data.get("left_community"))
    if "left_compound" in data and "left_street" in data:
        return Left(bool(data["left_compound"]), community, bool(data["left_street"]))
    if "left_community" not in data:
        return STAYED
    unit: Left | None = None
    if "place_id" in data and data.get("unit_kind"):
        unit = place_left(str(data["unit_kind"]))
    elif "organisation_id" in data:
        facts = orgs.get(int(data["organisation_id"]))
        if facts is not None:
            unit = org_left(facts.kind, facts.home_kind, facts.served_kinds)
    compound = bool(data["left_compound"]) if "left_compound" in data else community or unit is None or unit.compound
    street = bool(data["left_street"]) if "left_street" in data else community and (unit is None or unit.street)
    return Left(compound, community, street)


def request_left(events: Sequence[Mapping[str, Any]], orgs: OrgLevels | None = None) -> Left:
    """Whether any event of one request handed it above the compound / community / street. ``orgs`` is
    filled with what old events need (one query pair when they name an organisation not yet read)."""
    orgs = OrgLevels() if orgs is None else orgs
    orgs.ensure(stale_orgs(events))
    compound = community = street = False
    for e in events:
        left = event_left(e["data"], orgs)
        compound, community, street = compound or left.compound, community or left.community, street or left.street
    return Left(compound, community, street)
