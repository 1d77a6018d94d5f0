"""社区服务清单 under /api/v1/guide/: the public list of a community and the streets' overview (no sign-in), an
item, the versions (公示), keeping the list (create, edit, withdraw, reorder, import, publish) and the figures.

The published list carries no personal data: ``guide_public_items_list`` and ``guide_public_communities_list`` need
no sign-in; an item and a version are read by any signed-in caller. A draft, and every write, needs ``manage`` at
the community: anyone else gets the 404 of a missing id. Texts and choices are checked by the services, so a
refusal names the field in Chinese (422); a change to a withdrawn item is 409.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field

from linli.core.errors import InvalidInput
from linli.core.pagination import keyset_page
from linli.core.schemas import Day, ErrorOut, PageQuery
from linli.core.scoping import get_or_not_found
from linli.guide import importing
from linli.guide import selectors as sel
from linli.guide import services as s
from linli.guide.models import Category, Channel, ItemStatus, ListPublication, Mode, ServiceItem
from linli.guide.permissions import kept_q, may_keep
from linli.places.models import Place

router = Router(tags=["guide"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
CATEGORIES = ", ".join(f"{v} ({label})" for v, label in Category.choices)
MODES = ", ".join(f"{v} ({label})" for v, label in Mode.choices)
CHANNELS = ", ".join(f"{v} ({label})" for v, label in Channel.choices)
STATUSES = ", ".join(f"{v} ({label})" for v, label in ItemStatus.choices)


class GuideItemOut(Schema):
    id: int
    community_id: int
    community_name: str
    name: str
    category: str = Field(description=CATEGORIES)
    audience: str = Field(description="服务对象: who may apply")
    materials: list[str] = Field(description="所需材料, one line each")
    channels: list[str] = Field(description=CHANNELS)
    location: str
    hours: str
    time_limit_days: int = Field(description="承诺时限 in working days; 0: 即办 (done on the spot)")
    due_on: dt.date = Field(description="when a request made now is due (the official working-day calendar)")
    mode: str = Field(description=MODES)
    on_order: bool = Field(description="订单式: delivered on order by volunteers or partner units")
    fee: str
    responsible_post: str
    basis: str
    notes: str
    sort: int
    status: str = Field(description=STATUSES)
    published_at: dt.datetime | None
    revised_at: dt.datetime | None = Field(description="last changed while published (更新于)")
    withdrawn_at: dt.datetime | None
    withdraw_reason: str
    may_keep: bool


class GuideItemListOut(Schema):
    items: list[GuideItemOut]
    next: str | None


class GuidePublicItemsQuery(PageQuery):
    community_id: int | None = Field(None, description="a community (place of kind community); empty: every community")
    q: str | None = Field(None, max_length=50, description="words in the item's name (all of them)")
    category: str | None = Field(None, description=CATEGORIES)


class GuideKeptItemsQuery(PageQuery):
    community_id: int | None = Field(None, description="a community whose list you keep; empty: every list you keep")
    status: str | None = Field(None, description=f"{STATUSES}; empty: all")


class GuideItemIn(Schema):
    name: str = Field(description="事项名称, up to 60 characters, unique among the list's items in use")
    category: str = Field(description=CATEGORIES)
    audience: str = Field(description="服务对象, up to 200 characters")
    materials: list[str] = Field(default_factory=list, description="所需材料, one line each (at most 20)")
    channels: list[str] = Field(description=CHANNELS)
    location: str = Field(description="办理地点")
    hours: str = Field(description="办理时间")
    time_limit_days: int = Field(0, description="承诺时限, 0–60 working days; 0 exactly when mode is instant")
    mode: str = Field(Mode.INSTANT, description=MODES)
    on_order: bool = False
    fee: str = Field("免费", description="收费标准")
    responsible_post: str = Field(description="责任岗位")
    basis: str = Field("", description="办理依据")
    notes: str = Field("", description="温馨提示")


class GuideItemCreateIn(GuideItemIn):
    community_id: int = Field(description="a community whose list you keep")


class GuideWithdrawIn(Schema):
    reason: str = Field(description="停办原因, up to 200 characters")


class GuideReorderIn(Schema):
    category: str = Field(description=CATEGORIES)
    item_ids: list[int] = Field(description="every item in use of the category, first first")


class GuidePublishIn(Schema):
    note: str = Field("", description="公示说明, up to 200 characters")


class GuidePublicationOut(Schema):
    id: int
    community_id: int
    number: int = Field(description="版本号, 1, 2, … per community")
    item_count: int
    note: str
    published_at: dt.datetime
    published_by: str = Field(description="the publisher's name")
    lines: list[dict[str, Any]] = Field(description="the published items as they read in this version")


class GuidePublicationListOut(Schema):
    items: list[GuidePublicationOut]
    next: str | None


class GuidePublicationsQuery(PageQuery):
    community_id: int | None = Field(None, description="a community; empty: every community's versions")
    on: Day | None = Field(
        None, description="only the version in force on this day (what the list said then); needs community_id"
    )


def _item_out(request: HttpRequest, i: ServiceItem) -> GuideItemOut:
    return GuideItemOut(
        id=i.pk,
        community_id=i.community_id,
        community_name=i.community.name,
        name=i.name,
        category=i.category,
        audience=i.audience,
        materials=list(i.materials),
        channels=list(i.channels),
        location=i.location,
        hours=i.hours,
        time_limit_days=i.time_limit_days,
        due_on=sel.due(i).day,
        mode=i.mode,
        on_order=i.on_order,
        fee=i.fee,
        responsible_post=i.responsible_post,
        basis=i.basis,
        notes=i.notes,
        sort=i.sort,
        status=i.status,
        published_at=i.published_at,
        revised_at=i.revised_at,
        withdrawn_at=i.withdrawn_at,
        withdraw_reason=i.withdraw_reason,
        may_keep=may_keep(request.user, i.place_path),
    )


def _publication_out(p: ListPublication) -> GuidePublicationOut:
    person = getattr(p.published_by, "person", None)
    return GuidePublicationOut(
        id=p.pk,
        community_id=p.community_id,
        number=p.number,
        item_count=p.item_count,
        note=p.note,
        published_at=p.published_at,
        published_by=str(person.name) if person is not None else p.published_by.get_username(),
        lines=list(p.lines),
    )


def _fields(payload: GuideItemIn) -> s.ItemFields:
    return s.ItemFields(
        name=payload.name,
        category=payload.category,
        audience=payload.audience,
        materials=payload.materials,
        channels=payload.channels,
        location=payload.location,
        hours=payload.hours,
        time_limit_days=payload.time_limit_days,
        mode=payload.mode,
        on_order=payload.on_order,
        fee=payload.fee,
        responsible_post=payload.responsible_post,
        basis=payload.basis,
        notes=payload.notes,
    )


# ----------------------------------------------------------------------------- public


@router.get(
    "/public/items",
    response={200: GuideItemListOut, 404: ErrorOut, 422: ErrorOut},
    auth=None,
    operation_id="guide_public_items_list",
    summary="A community's published service list (no sign-in, no personal data), by id (keyset pages)",
)
def guide_public_items_list(request: HttpRequest, filters: Query[GuidePublicItemsQuery]) -> GuideItemListOut:
    community = (
        sel.public_community(filters.community_id, field="community_id") if filters.community_id is not None else None
    )
    qs = sel.published_items(community, q=filters.q or "", category=filters.category or "")
    page = keyset_page(qs.select_related("community"), key="id", cursor=filters.cursor, limit=filters.limit)
    return GuideItemListOut(items=[_item_out(request, i) for i in page.items], next=page.next)


class GuideCommunityOut(Schema):
    community_id: int
    name: str
    published: int = Field(description="items published now")
    on_order: int = Field(description="of which 订单式")
    version: int | None = Field(description="the current version (版本号); null: never published")
    published_at: dt.datetime | None = Field(description="when the current version was published")


class GuideCommunityListOut(Schema):
    street_id: int
    street_name: str
    communities: list[GuideCommunityOut]


class GuideStreetQuery(Schema):
    street_id: int = Field(description="a street (place of kind street)")


@router.get(
    "/public/communities",
    response={200: GuideCommunityListOut, 404: ErrorOut, 422: ErrorOut},
    auth=None,
    operation_id="guide_public_communities_list",
    summary="A street's communities with their published items and the current version's number and date",
)
def guide_public_communities_list(request: HttpRequest, filters: Query[GuideStreetQuery]) -> GuideCommunityListOut:
    street = sel.public_street(filters.street_id, field="street_id")
    rows = sel.overview(street).communities
    return GuideCommunityListOut(
        street_id=street.pk,
        street_name=street.name,
        communities=[
            GuideCommunityOut(
                community_id=r.place.pk,
                name=r.place.name,
                published=r.published,
                on_order=r.on_order,
                version=r.version,
                published_at=r.published_on,
            )
            for r in rows
        ],
    )


# ----------------------------------------------------------------------------- items


@router.get(
    "/items",
    response={200: GuideItemListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="guide_items_list",
    summary="Every item of a list you keep (drafts, published, withdrawn), by id (keyset pages)",
)
def guide_items_list(request: HttpRequest, filters: Query[GuideKeptItemsQuery]) -> GuideItemListOut:
    if filters.community_id is not None:
        community = sel.kept_community(request.user, filters.community_id, field="community_id")
        qs = ServiceItem.objects.filter(community=community)
    else:
        qs = ServiceItem.objects.filter(kept_q(request.user))
    if filters.status:
        if filters.status not in ItemStatus.values:
            raise InvalidInput(_("请选择%(label)s") % {"label": _("状态")}, field="status")
        qs = qs.filter(status=filters.status)
    page = keyset_page(qs.select_related("community"), key="id", cursor=filters.cursor, limit=filters.limit)
    return GuideItemListOut(items=[_item_out(request, i) for i in page.items], next=page.next)


@router.post(
    "/items",
    response={200: GuideItemOut, 201: GuideItemOut, **ERRORS},
    operation_id="guide_items_create",
    summary="Add a draft item to a list you keep (201); an Idempotency-Key retry answers 200 with the first",
)
def guide_items_create(request: HttpRequest, payload: GuideItemCreateIn) -> Status[GuideItemOut]:
    community = sel.kept_community(request.user, payload.community_id, field="community_id")
    item, created = s.item_create(
        actor=request.user,
        community=community,
        fields=_fields(payload),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201 if created else 200, _item_out(request, sel.access_item(request.user, item.pk)))


@router.get(
    "/items/{service_item_id}",
    response={200: GuideItemOut, 404: ErrorOut},
    operation_id="guide_items_read",
    summary="One item: a published or withdrawn one for anyone, a draft for those who keep the list",
)
def guide_items_read(request: HttpRequest, service_item_id: int) -> GuideItemOut:
    return _item_out(request, sel.access_item(request.user, service_item_id))


@router.put(
    "/items/{service_item_id}",
    response={200: GuideItemOut, **ERRORS},
    operation_id="guide_items_update",
    summary="Rewrite an item (every field as given); a published one changes on the public list at once",
)
def guide_items_update(request: HttpRequest, service_item_id: int, payload: GuideItemIn) -> GuideItemOut:
    item = sel.access_kept_item(request.user, service_item_id)
    s.item_update(actor=request.user, item=item, fields=_fields(payload))
    return _item_out(request, sel.access_item(request.user, service_item_id))


@router.post(
    "/items/{service_item_id}/withdraw",
    response={200: GuideItemOut, **ERRORS},
    operation_id="guide_items_withdraw",
    summary="停办: take an item off the list with the reason (kept in the records); a repeat changes nothing",
)
def guide_items_withdraw(request: HttpRequest, service_item_id: int, payload: GuideWithdrawIn) -> GuideItemOut:
    item = sel.access_kept_item(request.user, service_item_id)
    s.item_withdraw(actor=request.user, item=item, reason=payload.reason)
    return _item_out(request, sel.access_item(request.user, service_item_id))


@router.post(
    "/communities/{community_id}/order",
    response={200: GuideItemListOut, **ERRORS},
    operation_id="guide_items_reorder",
    summary="Set the order of one category's items in use",
)
def guide_items_reorder(request: HttpRequest, community_id: int, payload: GuideReorderIn) -> GuideItemListOut:
    community = sel.kept_community(request.user, community_id, field="community_id")
    items = s.items_reorder(
        actor=request.user, community=community, category=payload.category, item_ids=payload.item_ids
    )
    for item in items:
        item.community = community
    return GuideItemListOut(items=[_item_out(request, i) for i in items], next=None)


# ----------------------------------------------------------------------------- publication


@router.post(
    "/communities/{community_id}/publish",
    response={200: GuidePublicationOut, 201: GuidePublicationOut, **ERRORS},
    operation_id="guide_list_publish",
    summary="公示: publish the drafts and freeze the list as the next version (201); nothing changed: 200, the last",
)
def guide_list_publish(request: HttpRequest, community_id: int, payload: GuidePublishIn) -> Status[GuidePublicationOut]:
    community = sel.kept_community(request.user, community_id, field="community_id")
    publication, created = s.list_publish(actor=request.user, community=community, note=payload.note)
    return Status(201 if created else 200, _publication_out(sel.access_publication(publication.pk)))


@router.get(
    "/publications",
    response={200: GuidePublicationListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="guide_publications_list",
    summary="A community's versions, newest first; with `on`, the one in force that day",
)
def guide_publications_list(request: HttpRequest, filters: Query[GuidePublicationsQuery]) -> GuidePublicationListOut:
    community = (
        sel.public_community(filters.community_id, field="community_id") if filters.community_id is not None else None
    )
    if filters.on is not None:
        if community is None:
            raise InvalidInput(_("按日期查询版本时请指定社区"), field="community_id")
        found = sel.publication_on(community, filters.on)
        return GuidePublicationListOut(items=[_publication_out(found)] if found else [], next=None)
    page = keyset_page(
        sel.publications(community), key="id", cursor=filters.cursor, limit=filters.limit, descending=True
    )
    return GuidePublicationListOut(items=[_publication_out(p) for p in page.items], next=page.next)


@router.get(
    "/publications/{publication_id}",
    response={200: GuidePublicationOut, 404: ErrorOut},
    operation_id="guide_publications_read",
    summary="One version of a community's list as published (公示 is public)",
)
def guide_publications_read(request: HttpRequest, publication_id: int) -> GuidePublicationOut:
    return _publication_out(sel.access_publication(publication_id))


# ----------------------------------------------------------------------------- import


class GuideImportRowErrorOut(Schema):
    row: int = Field(description="the sheet's row number")
    column: str
    message: str


class GuideImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    skipped: list[GuideImportRowErrorOut] = Field(description="wrong rows left out (only_valid)")


class GuideImportRefusedOut(Schema):
    error: str
    detail: str
    field: str | None = None
    rows: list[GuideImportRowErrorOut] = Field(
        default_factory=list, description="each wrong row and column; nothing was imported"
    )


class GuideImportQuery(Schema):
    community_id: int = Field(description="a community whose list you keep")


class GuideImportForm(Schema):
    only_valid: bool = Field(False, description="apply the valid rows and report the wrong ones (default: all or none)")


@router.post(
    "/imports",
    response={200: GuideImportOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: GuideImportRefusedOut},
    operation_id="guide_items_import",
    summary="Import items from .xlsx (columns: " + ", ".join(importing.HEADERS) + "): all rows or none, or only "
    "the valid ones (only_valid); 422 lists every wrong row",
)
def guide_items_import(
    request: HttpRequest,
    filters: Query[GuideImportQuery],
    file: File[UploadedFile],
    options: Form[GuideImportForm],
) -> GuideImportOut:
    community = sel.kept_community(request.user, filters.community_id, field="community_id")
    result = importing.items_import(
        actor=request.user,
        community=community,
        stream=file.file,
        name=file.name or "",
        size=file.size or 0,
        only_valid=options.only_valid,
    )
    return GuideImportOut(
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        skipped=[GuideImportRowErrorOut(row=r.row, column=r.column, message=r.message) for r in result.skipped],
    )


# ----------------------------------------------------------------------------- figures


class GuideCategoryCountOut(Schema):
    category: str
    label: str
    items: int


class GuideCommunityFiguresOut(Schema):
    community_id: int
    name: str
    published: int
    instant: int
    instant_share: float | None
    on_order: int
    drafts: int
    withdrawn: int
    changed: int
    version: int | None
    published_at: dt.datetime | None
    by_category: dict[str, int]


class GuideFiguresOut(Schema):
    place_id: int
    since: dt.date
    until: dt.date
    published: int = Field(description="items published now in the communities under the place")
    instant: int = Field(description="of which 即办")
    instant_share: float | None = Field(description="instant / published; null when none is published")
    on_order: int = Field(description="of which 订单式 (delivered on order)")
    changed: int = Field(description="published items revised or withdrawn in the period (each item once)")
    without_list: list[int] = Field(description="communities that have never published their list")
    by_category: list[GuideCategoryCountOut]
    communities: list[GuideCommunityFiguresOut]


class GuideFiguresQuery(Schema):
    place_id: int = Field(description="a street or community you manage or lead")
    since: Day | None = Field(None, description="default 1 January this year")
    until: Day | None = Field(None, description="default today")


@router.get(
    "/figures",
    response={200: GuideFiguresOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="guide_figures_read",
    summary="Published items, by category, 即办 share, 订单式 items, items changed, communities without a list",
)
def guide_figures_read(request: HttpRequest, filters: Query[GuideFiguresQuery]) -> GuideFiguresOut:
    node = get_or_not_found(Place.objects.all(), filters.place_id, field="place_id")
    f = sel.figures(request.user, node, since=filters.since, until=filters.until)
    return GuideFiguresOut(
        place_id=node.pk,
        since=f.since,
        until=f.until,
        published=f.published,
        instant=f.instant,
        instant_share=f.instant_share,
        on_order=f.on_order,
        changed=f.changed,
        without_list=[c.pk for c in f.without_list],
        by_category=[GuideCategoryCountOut(category=c, label=label, items=n) for c, label, n in f.by_category],
        communities=[
            GuideCommunityFiguresOut(
                community_id=r.place.pk,
                name=r.place.name,
                published=r.published,
                instant=r.instant,
                instant_share=r.instant_share,
                on_order=r.on_order,
                drafts=r.drafts,
                withdrawn=r.withdrawn,
                changed=r.changed,
                version=r.version,
                published_at=r.published_on,
                by_category=r.by_category,
            )
            for r in f.communities
        ],
    )
