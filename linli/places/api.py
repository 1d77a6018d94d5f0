"""Read endpoints for the place tree, scoped to the caller."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from linli.core.pagination import keyset_page
from linli.core.schemas import ErrorOut
from linli.places.models import Place
from linli.places.selectors import access_place, counts_under, positions_at, visible_places

router = Router(tags=["places"])


class PlaceOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    path: str
    depth: int
    code: str
    lat: Decimal | None
    lng: Decimal | None


class PlaceCountsOut(Schema):
    households: int
    residents: int
    by_kind: dict[str, int]


class PositionHolderOut(Schema):
    kind: str
    label: str
    person_name: str
    title: str


class PlaceDetailOut(PlaceOut):
    boundary: dict[str, Any] | None
    parent_id: int | None
    counts: PlaceCountsOut
    positions: list[PositionHolderOut]


class PlaceListOut(Schema):
    items: list[PlaceOut]
    next: str | None


class PlaceFilter(Schema):
    kind: str | None = None
    parent: int | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200, description="page size, 1–200")


@router.get("", response={200: PlaceListOut, 404: ErrorOut, 422: ErrorOut}, operation_id="places_list")
def places_list(request: HttpRequest, filters: Query[PlaceFilter]) -> PlaceListOut:
    qs = visible_places(request.user)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.parent is not None:
        parent = access_place(request.user, filters.parent)
        qs = qs.filter(path__under=parent.path, depth=parent.depth + 1)
    page = keyset_page(qs, key="path", cursor=filters.cursor, limit=filters.limit)
    return PlaceListOut(items=[_place_out(p) for p in page.items], next=page.next)


@router.get("/{place_id}", response={200: PlaceDetailOut, 404: ErrorOut}, operation_id="places_read")
def places_read(request: HttpRequest, place_id: int) -> PlaceDetailOut:
    node = access_place(request.user, place_id)
    counts = counts_under([node])[node.pk]
    parent = Place.objects.filter(path=node.path[: -Place.steplen]).first() if node.depth > 1 else None
    return PlaceDetailOut(
        **_place_out(node).dict(),
        boundary=node.boundary,
        parent_id=parent.pk if parent else None,
        counts=PlaceCountsOut(households=counts.households, residents=counts.residents, by_kind=counts.by_kind),
        positions=[
            PositionHolderOut(kind=p.kind, label=p.kind_label, person_name=p.person.name, title=p.title)
            for p in positions_at(node)
        ],
    )


def _place_out(p: Place) -> PlaceOut:
    return PlaceOut(
        id=p.pk,
        kind=p.kind,
        kind_label=p.kind_label,
        name=p.name,
        path=p.path,
        depth=p.depth,
        code=p.code,
        lat=p.lat,
        lng=p.lng,
    )
