"""Reads of venues and bookings, free and busy times, and the figures.

Venues are read through ``visible_venues`` (public ones, and internal ones the viewer is an insider of); bookings
through ``visible_bookings`` (one's own, and those of venues one manages). Free and busy times never say who
booked: a busy band carries only the title of an approved booking its booker chose to make public.

Every function here costs a fixed number of queries, however many rows it reads.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import InvalidInput, NotFound
from linli.core.lookups import ancestor_paths
from linli.core.scoping import NOT_FOUND_MESSAGE, get_or_not_found, may_lead_at, scope_for
from linli.core.text import DIGITS_MAX
from linli.places.models import Place, PlaceKind
from linli.venues.models import HOLDING, Booking, BookingStatus, Purpose, Venue, VenueStatus, VenueType
from linli.venues.opening import Band, DayOpening, bands, day_kinds, minutes, open_minutes, openings
from linli.venues.permissions import VENUE_PLACE_KINDS, insider_q, managed_q, may_manage_venue

AVAILABILITY_DAYS = 14
AVAILABILITY_MAX_DAYS = 31
COMMUNITY_PATH_LENGTH = 3 * Place.steplen
STREET_PATH_LENGTH = 2 * Place.steplen


# ----------------------------------------------------------------------------- places


def public_node(pk: Any, *, field: str | None = None) -> Place:
    """A street, community or compound whose venues are listed (any of them: the list is public)."""
    qs = Place.objects.filter(kind__in=VENUE_PLACE_KINDS)
    return get_or_not_found(qs, pk, field=field)  # type: ignore[no-any-return]


def home_path(user: Any) -> str:
    person: Any = getattr(user, "person", None) if getattr(user, "is_authenticated", False) else None
    return str(getattr(person, "place_path", "") or "")


def default_node(user: Any) -> Place | None:
    """Where a list starts: the outermost street or community the user manages; else the community the user
    lives in (or holds a position in); else the first street."""
    scope = scope_for(user, "manage")
    if not scope.empty:
        qs = Place.objects.filter(kind__in=[PlaceKind.STREET, PlaceKind.COMMUNITY])
        found = qs.filter(scope.q("path")).order_by("depth", "path").first()
        if found is not None:
            return found
    paths = [home_path(user), *scope_for(user).paths]
    for path in paths:
        if len(path) >= COMMUNITY_PATH_LENGTH:
            found = Place.objects.filter(path=path[:COMMUNITY_PATH_LENGTH], kind=PlaceKind.COMMUNITY).first()
            if found is not None:
                return found
    return Place.objects.filter(kind=PlaceKind.STREET).order_by("path").first()


def node_family(node: Place) -> tuple[Place | None, list[Place]]:
    """The node's street and the street's communities, for the place chooser (two queries)."""
    street = Place.objects.filter(path=node.path[:STREET_PATH_LENGTH], kind=PlaceKind.STREET).first()
    if street is None:
        return None, []
    return street, list(Place.objects.filter(path__under=street.path, kind=PlaceKind.COMMUNITY).order_by("path"))


def may_see_figures(user: Any, node: Place) -> bool:
    return may_lead_at(user, node.path)


def managed_places(user: Any, *, limit: int = 500) -> list[Place]:
    """The streets, communities and compounds where the user may set up a venue."""
    scope = scope_for(user, "manage")
    if scope.empty:
        return []
    qs = Place.objects.filter(scope.q("path"), kind__in=VENUE_PLACE_KINDS).order_by("path")
    return list(qs[:limit])


def owner_choices(user: Any, *, limit: int = 300) -> list[Any]:
    """Partner units, social organisations and departments registered at, above or below the places the user
    manages (the owners a venue form offers)."""
    from linli.orgs.models import Organisation

    scope = scope_for(user, "manage")
    if scope.empty:
        return []
    above: set[str] = set()
    for root in scope.paths:
        above.update(ancestor_paths(root, Place.steplen))
    condition = scope.q("place_path") | Q(place_path__in=sorted(above))
    kinds = ["partner_unit", "social_org", "department"]
    return list(Organisation.objects.filter(condition, kind__in=kinds).order_by("kind", "name", "id")[:limit])


# ----------------------------------------------------------------------------- venues


def visible_venues(user: Any) -> QuerySet[Venue]:
    return Venue.objects.filter(Q(public=True) | insider_q(user))


def access_venue(user: Any, pk: Any) -> Venue:
    qs = visible_venues(user).select_related("place", "organisation")
    return get_or_not_found(qs, pk)  # type: ignore[no-any-return]


def managed_venues(user: Any) -> QuerySet[Venue]:
    return Venue.objects.filter(managed_q(user))


def access_managed_venue(user: Any, pk: Any) -> Venue:
    return get_or_not_found(managed_venues(user).select_related("place", "organisation"), pk)  # type: ignore[no-any-return]


def listed_venues(
    user: Any,
    node: Place,
    *,
    purpose: str = "",
    capacity: int | None = None,
    active_only: bool = True,
    kind: str = "",
) -> QuerySet[Venue]:
    """The venues under ``node`` the user may see, filtered by type, purpose and a least capacity (one query)."""
    qs = visible_venues(user).filter(place_path__under=node.path)
    if active_only:
        qs = qs.filter(status=VenueStatus.ACTIVE)
    if kind:
        if kind not in VenueType.values:
            raise InvalidInput(_("请从列表中选择场地类型"), field="kind")
        qs = qs.filter(kind=kind)
    if purpose:
        if purpose not in Purpose.values:
            raise InvalidInput(_("请选择活动类别"), field="purpose")
        qs = qs.filter(purposes__contains=f",{purpose},")
    if capacity is not None:
        qs = qs.filter(capacity__gte=capacity)
    return qs.select_related("place", "organisation")


def parse_capacity(raw: Any) -> int | None:
    text = str(raw or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > DIGITS_MAX or int(text) > 30000:
        raise InvalidInput(_("人数应为整数"), field="capacity")
    return int(text)


# ----------------------------------------------------------------------------- free and busy


@dataclass
class DayAvailability:
    opening: DayOpening
    bands: list[Band] = field(default_factory=list)

    @property
    def day(self) -> dt.date:
        return self.opening.day


def availability_span(since: dt.date | None, until: dt.date | None) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    first = since or today
    last = until or first + dt.timedelta(days=AVAILABILITY_DAYS - 1)
    if last < first:
        raise InvalidInput(_("开始日期不能晚于结束日期"), field="since")
    if (last - first).days + 1 > AVAILABILITY_MAX_DAYS:
        raise InvalidInput(_("一次最多查询 %(n)d 天") % {"n": AVAILABILITY_MAX_DAYS}, field="until")
    return first, last


def availability(venue: Venue, since: dt.date, until: dt.date, *, now: dt.datetime | None = None) -> list[Any]:
    """Each day of the span: open or why not, and its free, busy and past bands (two or three queries)."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    today, now_minute = local.date(), minutes(local.time())
    rows = Booking.objects.filter(venue=venue, day__gte=since, day__lte=until, status__in=HOLDING).values_list(
        "day", "starts_at", "minutes", "status", "public", "title"
    )
    busy: dict[dt.date, list[tuple[int, int, str]]] = defaultdict(list)
    for day, starts_at, length, status, public, title in rows:
        first = minutes(timezone.localtime(starts_at).time())
        shown = title if status == BookingStatus.APPROVED and public else ""
        busy[day].append((first, first + length, shown))
    out: list[DayAvailability] = []
    for opening in openings(venue, since, until):
        if venue.status != VenueStatus.ACTIVE:
            opening = DayOpening(opening.day, None, opening.kind, opening.holiday_name, _("场地暂停开放"))
        if opening.window is None or opening.day < today:
            out.append(DayAvailability(opening))
            continue
        now_at = now_minute if opening.day == today else None
        out.append(
            DayAvailability(opening, bands(opening.window, busy[opening.day], now=now_at, step=venue.slot_minutes))
        )
    return out


# ----------------------------------------------------------------------------- bookings


def visible_bookings(user: Any) -> QuerySet[Booking]:
    if not getattr(user, "is_authenticated", False):
        return Booking.objects.none()
    return Booking.objects.filter(Q(booker=user) | managed_q(user, org_field="venue__organisation_id"))


def access_booking(user: Any, pk: Any) -> Booking:
    qs = visible_bookings(user).select_related("venue", "venue__place", "booker", "booker__person", "decided_by")
    return get_or_not_found(qs, pk)  # type: ignore[no-any-return]


def managed_bookings(user: Any) -> QuerySet[Booking]:
    return Booking.objects.filter(managed_q(user, org_field="venue__organisation_id"))


def booking_events(booking: Booking) -> list[Any]:
    return list(booking.events.select_related("actor").order_by("at", "id"))


def my_bookings(user: Any) -> QuerySet[Booking]:
    if not getattr(user, "is_authenticated", False):
        return Booking.objects.none()
    return Booking.objects.filter(booker=user).select_related("venue")


def pending_queue(user: Any) -> QuerySet[Booking]:
    """Pending bookings not yet begun of the venues the user manages, soonest first."""
    return (
        managed_bookings(user)
        .filter(status=BookingStatus.PENDING, starts_at__gt=timezone.now())
        .select_related("venue", "booker", "booker__person")
        .order_by("starts_at", "id")
    )


@dataclass
class WeekDay:
    opening: DayOpening
    bookings: list[Booking] = field(default_factory=list)


def week(venue: Venue, monday: dt.date) -> list[WeekDay]:
    """The seven days from ``monday`` with every booking (any state) and its booker (two or three queries)."""
    sunday = monday + dt.timedelta(days=6)
    rows = (
        Booking.objects.filter(venue=venue, day__gte=monday, day__lte=sunday)
        .select_related("booker", "booker__person")
        .order_by("starts_at", "id")
    )
    by_day: dict[dt.date, list[Booking]] = defaultdict(list)
    for b in rows:
        by_day[b.day].append(b)
    return [WeekDay(o, by_day[o.day]) for o in openings(venue, monday, sunday)]


def booker_name(booking: Booking) -> str:
    person = getattr(booking.booker, "person", None)
    return str(person.name) if person is not None else booking.booker.get_username()


def booker_phone_masked(booking: Booking) -> str:
    person = getattr(booking.booker, "person", None)
    return str(person.phone_masked) if person is not None and person.phone_enc else ""


def may_manage(user: Any, venue: Venue) -> bool:
    return may_manage_venue(user, venue)


# ----------------------------------------------------------------------------- figures


@dataclass
class VenueFigures:
    venue: Venue
    open_minutes: int = 0
    booked_minutes: int = 0
    approved: int = 0
    no_show: int = 0
    attendees: int = 0
    expired: int = 0

    @property
    def utilisation(self) -> float | None:
        return round(self.booked_minutes / self.open_minutes, 4) if self.open_minutes else None

    @property
    def hours_booked(self) -> float:
        return round(self.booked_minutes / 60, 1)

    @property
    def open_hours(self) -> float:
        return round(self.open_minutes / 60, 1)


@dataclass
class TypeCount:
    """Venues of one 场地类型 under the node now, whatever their state: a suspended or internal 党支部活动室 is still
    one that was built. ``places``: the distinct places they are at — a 党群服务中心 with three bookable rooms is three
    venues at one place, so "党群服务中心4个" (seed 003) is the places column."""

    kind: str
    label: str
    venues: int
    places: int


@dataclass
class OwnerKindCount:
    """Units of one organisation kind (共建单位, 社会组织, 职能部门) with at least one venue open under the node now:
    seed 003 counts "48家驻社区单位、12家“两新”组织活动场所实现双向开放" by unit, not by room."""

    kind: str
    label: str
    units: int
    venues: int


@dataclass
class Figures:
    node: Place
    since: dt.date
    until: dt.date
    venues_open: int
    partner_open: int
    partner_units: int  # distinct organisations with at least one of the partner_open venues
    approved: int
    booked_minutes: int
    open_minutes: int
    attendees: int
    no_show: int
    ended: int
    pending: int
    expired: int  # requests of the period nobody decided before they began (逾期未审核)
    by_purpose: list[tuple[str, str, int]]
    venues: list[VenueFigures]
    by_type: list[TypeCount] = field(default_factory=list)
    partner_units_by_kind: list[OwnerKindCount] = field(default_factory=list)

    @property
    def hours_booked(self) -> float:
        return round(self.booked_minutes / 60, 1)

    @property
    def open_hours(self) -> float:
        return round(self.open_minutes / 60, 1)

    @property
    def utilisation(self) -> float | None:
        """Approved booked hours / open hours in the period, over every venue under the node."""
        return round(self.booked_minutes / self.open_minutes, 4) if self.open_minutes else None

    @property
    def no_show_rate(self) -> float | None:
        """No-shows / approved bookings of the period that have ended."""
        return round(self.no_show / self.ended, 4) if self.ended else None


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """This month so far."""
    day = today or timezone.localdate()
    return day.replace(day=1), day


def figures(user: Any, node: Place, since: dt.date, until: dt.date) -> Figures:
    """The venue figures under ``node`` for the period (docs: metrics, 场地预约). Staff holding ``manage`` or
    ``lead`` at the node only (anyone else: the 404 of a missing id). Four to five queries, however many rows."""
    if not may_see_figures(user, node):
        raise NotFound(_(NOT_FOUND_MESSAGE), field="place_id")
    if since > until:
        raise InvalidInput(_("开始日期不能晚于结束日期"), field="since")
    if (until - since).days > 366 * 5:
        raise InvalidInput(_("统计期间最长五年"), field="until")
    now = timezone.now()
    venues = list(Venue.objects.filter(place_path__under=node.path).select_related("organisation").order_by("id"))
    kinds = day_kinds(since, until)
    rows = {v.pk: VenueFigures(v, open_minutes=open_minutes(v, since, until, kinds)) for v in venues}
    used = (BookingStatus.APPROVED, BookingStatus.NO_SHOW)
    grouped = (
        Booking.objects.filter(
            place_path__under=node.path, day__gte=since, day__lte=until, status__in=(*used, BookingStatus.EXPIRED)
        )
        .values("venue_id", "purpose", "status")
        .annotate(n=Count("pk"), m=Sum("minutes"), a=Sum("attendees"), ended=Count("pk", filter=Q(ends_at__lte=now)))
        .order_by()
    )
    purposes: dict[str, int] = defaultdict(int)
    no_show = ended = expired = 0
    for r in grouped:
        row = rows.get(r["venue_id"])
        if row is None:  # a booking whose venue moved out of the node since: counted where its venue is now
            continue
        if r["status"] == BookingStatus.EXPIRED:
            row.expired += r["n"]
            expired += r["n"]
            continue
        row.approved += r["n"]
        row.booked_minutes += r["m"] or 0
        row.attendees += r["a"] or 0
        purposes[r["purpose"]] += r["n"]
        ended += r["ended"]
        if r["status"] == BookingStatus.NO_SHOW:
            row.no_show += r["n"]
            no_show += r["n"]
    pending = Booking.objects.filter(
        place_path__under=node.path, status=BookingStatus.PENDING, starts_at__gt=now
    ).count()
    open_public = [v for v in venues if v.status == VenueStatus.ACTIVE and v.public]
    typed: dict[str, list[Venue]] = defaultdict(list)
    for v in venues:
        typed[v.kind].append(v)
    opened = [v for v in open_public if v.organisation_id]
    return Figures(
        node=node,
        since=since,
        until=until,
        venues_open=len(open_public),
        partner_open=len(opened),
        partner_units=len({v.organisation_id for v in opened}),
        partner_units_by_kind=_by_owner_kind(opened),
        approved=sum(r.approved for r in rows.values()),
        booked_minutes=sum(r.booked_minutes for r in rows.values()),
        open_minutes=sum(r.open_minutes for r in rows.values()),
        attendees=sum(r.attendees for r in rows.values()),
        no_show=no_show,
        ended=ended,
        pending=pending,
        expired=expired,
        by_purpose=[(code, str(label), purposes[code]) for code, label in Purpose.choices if purposes.get(code)],
        venues=list(rows.values()),
        by_type=[
            TypeCount(code, str(label), len(typed[code]), len({v.place_id for v in typed[code]}))
            for code, label in VenueType.choices
        ],
    )


def _by_owner_kind(opened: list[Venue]) -> list[OwnerKindCount]:
    """The 双向开放 venues' units by the kind of unit, in the organisation register's order (kinds with none left
    out). Read from the venues the figures already load, with their organisations (no extra statement)."""
    from linli.orgs.models import OrganisationKind

    units: dict[str, set[int]] = defaultdict(set)
    rooms: dict[str, int] = defaultdict(int)
    for v in opened:
        unit = v.organisation
        if unit is not None:
            units[unit.kind].add(unit.pk)
            rooms[unit.kind] += 1
    return [
        OwnerKindCount(str(code), str(label), len(units[code]), rooms[code])
        for code, label in OrganisationKind.choices
        if units.get(code)
    ]


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())
