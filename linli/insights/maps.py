"""The grid map's data: area shapes coloured by a figure, and request points for clustering.

Shapes are the places' stored GeoJSON (WGS84/CGCS2000, lng-lat order). Open and overdue
counts are live (they change with the clock); satisfaction comes from the rollups for the period.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F
from django.db.models.functions import Coalesce, Substr
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

from linli.core.lookups import ancestor_paths
from linli.insights import periods
from linli.insights import selectors as s
from linli.places.models import Place, PlaceKind
from linli.tickets.models import OPEN_STATUSES, Ticket

# Shown through {% translate %} / gettext where they are displayed.
MAP_FIGURES = {
    "open": gettext_noop("未办结诉求"),
    "overdue": gettext_noop("超期诉求"),
    "satisfaction": gettext_noop("满意率"),
    "received": gettext_noop("期内受理诉求"),
}
AREA_KINDS = (PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.GRID)
MAX_POINTS = 5000


def areas(node: Place) -> list[Place]:
    """The shapes to draw under a node: its communities, compounds and grids that have a boundary
    (or the node itself when it is the smallest area)."""
    rows = list(
        Place.objects.filter(path__under=node.path, kind__in=AREA_KINDS, boundary__isnull=False)
        .exclude(pk=node.pk)
        .order_by("path")[:2000]
    )
    if not rows and node.boundary:
        rows = [node]
    return rows


def _live_counts(node: Place, length: int) -> dict[str, tuple[int, int]]:
    grouped = (
        Ticket.objects.filter(place_path__under=node.path, status__in=OPEN_STATUSES)
        .annotate(area=Substr("place_path", 1, length))
        .values("area")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=s.past_due_q()))  # status is the WHERE: index-only
        .order_by()
    )
    return {r["area"]: (r["open"], r["overdue"]) for r in grouped}


def _period_figures(node: Place, period: s.Period, length: int) -> dict[str, s.RequestFigures]:
    # Areas are grids or larger: the rollups hold them, read for the period only (docs/scaling.md).
    return s.figures_by_area(node, period, length=length, only=("received", "rated", "satisfied"))


def map_data(user: Any, node: Place, period: s.Period, figure: str) -> dict[str, Any]:
    """GeoJSON features for the areas with ``value`` for the chosen figure, plus request points."""
    shapes = areas(node)
    lengths = sorted({len(p.path) for p in shapes})
    live: dict[str, tuple[int, int]] = {}
    period_figs: dict[str, s.RequestFigures] = {}
    for length in lengths:
        if figure in ("open", "overdue"):
            live |= _live_counts(node, length)
        else:
            period_figs |= _period_figures(node, period, length)
    features = []
    dash = reverse("insights:dashboard")
    lists = reverse("insights:requests")
    for p in shapes:
        if figure in ("open", "overdue"):
            opened, overdue = live.get(p.path, (0, 0))
            value: float | None = opened if figure == "open" else overdue
            href = f"{lists}?node={p.pk}&overdue=1" if figure == "overdue" else f"{dash}?node={p.pk}"
        else:
            f = period_figs.get(p.path, s.RequestFigures())
            value = f.received if figure == "received" else f.satisfaction_rate
            href = f"{dash}?node={p.pk}&since={period.since}&until={period.until}"
        features.append(
            {
                "type": "Feature",
                "geometry": p.boundary,
                "properties": {"id": p.pk, "name": p.name, "kind": p.kind, "value": value, "href": href},
            }
        )
    points = request_points(user, node, period, figure)
    return {
        "figure": figure,
        "label": gettext(MAP_FIGURES[figure]),
        "areas": {"type": "FeatureCollection", "features": features},
        "points": points,
        "ticket_url": reverse("tickets:detail", args=[0]).replace("/0/", "/{id}/"),
        "center": [float(node.lat), float(node.lng)] if node.lat is not None and node.lng is not None else None,
    }


def request_points(user: Any, node: Place, period: s.Period, figure: str) -> list[list[float]]:
    """[id, lat, lng] of up to MAX_POINTS requests (open ones for open/overdue, else the period's):
    the request's own point, else its place's, else the nearest ancestor's that has one."""
    tickets = Ticket.objects.visible_to(user).filter(place_path__under=node.path)
    if figure in ("open", "overdue"):
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    else:
        start, end = periods.period_bounds(period)
        tickets = tickets.filter(submitted_at__gte=start, submitted_at__lt=end)
    rows = list(
        tickets.annotate(plat=Coalesce(F("lat"), F("place__lat")), plng=Coalesce(F("lng"), F("place__lng")))
        .order_by("-id")
        .values_list("pk", "plat", "plng", "place_path")[:MAX_POINTS]
    )
    missing = {path for _, lat, _, path in rows if lat is None}
    prefixes = {p for path in missing for p in ancestor_paths(path, Place.steplen)[:-1]}  # above it
    located = dict(
        (
            (p, (lat, lng))
            for p, lat, lng in Place.objects.filter(path__in=prefixes, lat__isnull=False).values_list(
                "path", "lat", "lng"
            )
        )
    )
    out: list[list[float]] = []
    for pk, lat, lng, path in rows:
        if lat is None:
            found = next(
                (located[path[:i]] for i in range(len(path) - Place.steplen, 0, -Place.steplen) if path[:i] in located),
                None,
            )
            if found is None:
                continue
            lat, lng = found
        out.append([pk, float(lat), float(lng)])
    return out
