"""Compound governance teams "1+1+2N+X", their staffing standards and the 事项清单, under /api/v1/teams/.

Reads follow the team scope (``selectors``): a compound's team and list are read by everyone whose positions
lie in or above it. Writes are the pages' services: ``manage`` at the place (403 for someone who sees it but
may not change it; 404, the same as a missing id, for someone who cannot see it). Texts, counts and choices
are checked by the services, so a refusal names the field in Chinese (422).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.errors import Forbidden, InvalidInput, NotFound
from linli.core.i18n import seeded
from linli.core.pagination import keyset_page
from linli.core.schemas import Day, ErrorOut, PageQuery
from linli.core.scoping import NOT_FOUND_MESSAGE, get_or_not_found
from linli.places.models import Place, PlaceKind
from linli.teams import selectors as sel
from linli.teams import services as s
from linli.teams import services_items as si
from linli.teams.models import DutyCategory, DutyFrequency, DutyItem, TeamMember, TeamPost, TeamStandard
from linli.teams.permissions import may_manage, may_manage_standard

router = Router(tags=["teams"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
GAPS_MAX = 1000

CATEGORIES = ", ".join(f"{value} ({label})" for value, label in DutyCategory.choices)
FREQUENCIES = ", ".join(f"{value} ({label})" for value, label in DutyFrequency.choices)


# ----------------------------------------------------------------------------- standards


class CompoundTeamPostOut(Schema):
    code: str
    name: str
    fixed: int = Field(description="people the post needs in every compound")
    per_building: int = Field(description="people the post needs per building of the compound (the seed's N)")
    optional: bool = Field(description="no number: an X post (志愿者, 物业, 业委会代表 …), any number, none required")
    sort: int
    active: bool = Field(description="false: switched off (kept for the records that name it)")


class CompoundTeamStandardOut(Schema):
    id: int
    place_id: int | None = Field(description="where the standard is kept; null for the platform default")
    place_name: str
    formula: str = Field(description='the standard in the seed\'s shorthand, e.g. "1+1+2N+X"')
    own: bool = Field(description="the place asked about keeps this standard itself (false: it follows this one)")
    may_edit: bool
    posts: list[CompoundTeamPostOut]


class CompoundTeamStandardQuery(Schema):
    place_id: int | None = Field(None, description="a place you can see; default: your top node")


class CompoundTeamStandardAdoptIn(Schema):
    place_id: int = Field(description="a district, street or community where you hold manage")


class CompoundTeamPostIn(Schema):
    name: str = Field(description="岗位名称, up to 32 characters")
    fixed: int = Field(0, description="0–50")
    per_building: int = Field(0, description="0–10")
    sort: int | None = Field(None, description="0–1000; default: after the others (kept when changing a post)")


def _post_out(post: TeamPost) -> CompoundTeamPostOut:
    return CompoundTeamPostOut(
        code=post.code,
        name=seeded(post.name),
        fixed=post.fixed,
        per_building=post.per_building,
        optional=post.optional,
        sort=post.sort,
        active=post.active,
    )


def _standard_out(request: HttpRequest, standard: TeamStandard, *, own: bool) -> CompoundTeamStandardOut:
    posts = getattr(standard, "all_posts", None) or list(standard.posts.order_by("sort", "id"))
    return CompoundTeamStandardOut(
        id=standard.pk,
        place_id=standard.place_id,
        place_name=standard.place.name if standard.place else _("平台默认"),
        formula=sel.formula(standard),
        own=own,
        may_edit=may_manage_standard(request.user, standard),
        posts=[_post_out(p) for p in posts],
    )


@router.get(
    "/standards",
    response={200: CompoundTeamStandardOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="teams_standards_read",
    summary="The staffing standard a place follows (its own, the nearest above it, or the platform default)",
)
def teams_standards_read(request: HttpRequest, filters: Query[CompoundTeamStandardQuery]) -> CompoundTeamStandardOut:
    node = sel.coverage_node(request.user, filters.place_id, field="place_id")
    standard = sel.standard_for(node.path)
    if standard is None:
        raise InvalidInput(_("尚未设置配备标准"), field="place_id")
    return _standard_out(request, standard, own=standard.place_path == node.path)


@router.post(
    "/standards",
    response={200: CompoundTeamStandardOut, 201: CompoundTeamStandardOut, **ERRORS},
    operation_id="teams_standards_adopt",
    summary="A district, street or community keeps a standard of its own, starting as a copy of the one it "
    "followed; 200 with the standard when it keeps one already",
)
def teams_standards_adopt(
    request: HttpRequest, payload: CompoundTeamStandardAdoptIn
) -> Status[CompoundTeamStandardOut]:
    place = get_or_not_found(Place.objects.visible_to(request.user), payload.place_id, field="place_id")
    standard, created = s.standard_adopt(actor=request.user, place=place)
    answer = _standard_out(request, sel.access_standard(request.user, standard.pk), own=True)
    return Status(201 if created else 200, answer)


@router.delete(
    "/standards/{standard_id}",
    response={200: CompoundTeamStandardOut, **ERRORS},
    operation_id="teams_standards_drop",
    summary="A place stops keeping a standard of its own and follows the nearest one above again (returned); 409 "
    "while current members or duty items hold a post the inherited standard does not have",
)
def teams_standards_drop(request: HttpRequest, standard_id: int) -> CompoundTeamStandardOut:
    standard = sel.access_standard(request.user, standard_id)
    s.standard_drop(actor=request.user, standard=standard)
    follows = sel.standard_for(standard.place_path)  # what the place follows now, as ``teams_standards_read`` reads it
    if follows is None:  # the platform default cannot be dropped, so a place always follows one
        raise InvalidInput(_("尚未设置配备标准"), field="standard_id")
    return _standard_out(request, follows, own=False)


@router.put(
    "/standards/{standard_id}/posts/{code}",
    response={200: CompoundTeamPostOut, 201: CompoundTeamPostOut, **ERRORS},
    operation_id="teams_posts_save",
    summary="Add a post to a standard (201) or change its name, numbers or order (200); code: lower-case "
    "letters, digits and _",
)
def teams_posts_save(
    request: HttpRequest, standard_id: int, code: str, payload: CompoundTeamPostIn
) -> Status[CompoundTeamPostOut]:
    standard = sel.access_standard(request.user, standard_id)
    post, created = s.post_save(
        actor=request.user,
        standard=standard,
        code=code,
        name=payload.name,
        fixed=payload.fixed,
        per_building=payload.per_building,
        sort=payload.sort,
    )
    return Status(201 if created else 200, _post_out(post))


@router.delete(
    "/standards/{standard_id}/posts/{code}",
    response={200: CompoundTeamPostOut, **ERRORS},
    operation_id="teams_posts_remove",
    summary="Switch a post off; 409 while current members hold it or duty items are assigned to it",
)
def teams_posts_remove(request: HttpRequest, standard_id: int, code: str) -> CompoundTeamPostOut:
    standard = sel.access_standard(request.user, standard_id)
    return _post_out(s.post_remove(actor=request.user, standard=standard, code=code))


# ----------------------------------------------------------------------------- teams and 配齐


class CompoundTeamMemberOut(Schema):
    id: int
    compound_id: int
    post: str
    person_id: int
    person_name: str
    note: str
    started_on: dt.date
    ended_on: dt.date | None
    end_reason: str


class CompoundTeamPostStatusOut(Schema):
    code: str
    name: str
    required: int = Field(description="fixed + per_building × buildings")
    filled: int = Field(description="current members on the post")
    missing: int = Field(description="max(0, required − filled)")
    optional: bool
    members: list[CompoundTeamMemberOut]


class CompoundTeamOut(Schema):
    compound_id: int
    compound_name: str
    buildings: int = Field(description="N: buildings under the compound now")
    standard_id: int | None
    standard_place_name: str
    formula: str
    complete: bool = Field(description="配齐: every post with a number has at least that many current members")
    missing: int
    may_edit: bool
    posts: list[CompoundTeamPostStatusOut]
    other_members: list[CompoundTeamMemberOut] = Field(
        description="current members on posts the standard no longer has"
    )


class CompoundTeamSummaryOut(Schema):
    compound_id: int
    compound_name: str
    buildings: int
    formula: str
    complete: bool
    missing: int


class CompoundTeamListOut(Schema):
    items: list[CompoundTeamSummaryOut]
    next: str | None


class CompoundTeamShareOut(Schema):
    place_id: int
    place_name: str
    compounds: int
    complete: int
    share: float | None


class CompoundTeamGapOut(Schema):
    compound_id: int
    compound_name: str
    post: str
    post_name: str
    required: int
    filled: int
    missing: int


class CompoundTeamCoverageOut(Schema):
    node_id: int
    node_name: str
    as_of: dt.datetime = Field(description="the figure is as of this moment: current members, buildings, standards")
    compounds: int
    complete: int
    share: float | None = Field(description="complete / compounds (小区治理团队配齐率); null without compounds")
    children: list[CompoundTeamShareOut] = Field(description="the same for each child of the node that has compounds")
    gaps: list[CompoundTeamGapOut] = Field(description="which compound lacks how many of which post, in tree order")
    gaps_truncated: bool = Field(description=f"more than {GAPS_MAX} gaps: the first {GAPS_MAX} are listed")


class CompoundTeamNodeQuery(Schema):
    node_id: int | None = Field(None, description="a place you can see; default: your top node")


class CompoundTeamCompoundListQuery(CompoundTeamNodeQuery, PageQuery):
    pass


class CompoundTeamMemberIn(Schema):
    post: str = Field(description="a post code of the compound's standard")
    person_id: int = Field(description="someone in your ledger scope, or holding a position in the community")
    note: str = Field("", description="up to 64 characters, e.g. 社区两委委员")
    started_on: Day | None = Field(None, description="default today; not in the future")


class CompoundTeamMemberEndIn(Schema):
    ended_on: Day | None = Field(None, description="default today; not in the future nor before started_on")
    reason: str = Field("", description="up to 200 characters")


def _member_out(m: TeamMember) -> CompoundTeamMemberOut:
    return CompoundTeamMemberOut(
        id=m.pk,
        compound_id=m.compound_id,
        post=m.post,
        person_id=m.person_id,
        person_name=m.person.name,
        note=m.note,
        started_on=m.started_on,
        ended_on=m.ended_on,
        end_reason=m.end_reason,
    )


def _team_out(request: HttpRequest, status: sel.CompoundStatus) -> CompoundTeamOut:
    standard = status.standard
    return CompoundTeamOut(
        compound_id=status.compound.pk,
        compound_name=status.compound.name,
        buildings=status.buildings,
        standard_id=standard.pk if standard else None,
        standard_place_name=(standard.place.name if standard.place else _("平台默认")) if standard else "",
        formula=status.formula,
        complete=status.complete,
        missing=status.missing_total,
        may_edit=may_manage(request.user, status.compound.path),
        posts=[
            CompoundTeamPostStatusOut(
                code=p.post.code,
                name=seeded(p.post.name),
                required=p.required,
                filled=p.filled,
                missing=p.missing,
                optional=p.optional,
                members=[_member_out(m) for m in p.members],
            )
            for p in status.posts
        ],
        other_members=[_member_out(m) for m in status.other_members],
    )


@router.get(
    "/coverage",
    response={200: CompoundTeamCoverageOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="teams_coverage_read",
    summary="小区治理团队配齐率 under a node: compounds, complete ones, the share, per child, and the gaps",
)
def teams_coverage_read(request: HttpRequest, filters: Query[CompoundTeamNodeQuery]) -> CompoundTeamCoverageOut:
    node = sel.coverage_node(request.user, filters.node_id, field="node_id")
    coverage = sel.team_coverage(node)
    gaps = coverage.gaps
    return CompoundTeamCoverageOut(
        node_id=node.pk,
        node_name=node.name,
        as_of=coverage.as_of,
        compounds=coverage.compounds,
        complete=coverage.complete,
        share=coverage.share,
        children=[
            CompoundTeamShareOut(
                place_id=c.place.pk, place_name=c.place.name, compounds=c.compounds, complete=c.complete, share=c.share
            )
            for c in coverage.children
        ],
        gaps=[
            CompoundTeamGapOut(
                compound_id=row.compound.pk,
                compound_name=row.compound.name,
                post=post.post.code,
                post_name=seeded(post.post.name),
                required=post.required,
                filled=post.filled,
                missing=post.missing,
            )
            for row, post in gaps[:GAPS_MAX]
        ],
        gaps_truncated=len(gaps) > GAPS_MAX,
    )


@router.get(
    "/compounds",
    response={200: CompoundTeamListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="teams_compounds_list",
    summary="The compounds under a node with their team's 配齐 status, in tree order (keyset pages)",
)
def teams_compounds_list(request: HttpRequest, filters: Query[CompoundTeamCompoundListQuery]) -> CompoundTeamListOut:
    node = sel.coverage_node(request.user, filters.node_id, field="node_id")
    qs = sel.visible_compounds(request.user).filter(path__under=node.path)
    page = keyset_page(qs, key="path", cursor=filters.cursor, limit=filters.limit)
    return CompoundTeamListOut(
        items=[
            CompoundTeamSummaryOut(
                compound_id=st.compound.pk,
                compound_name=st.compound.name,
                buildings=st.buildings,
                formula=st.formula,
                complete=st.complete,
                missing=st.missing_total,
            )
            for st in sel.compound_statuses(page.items)
        ],
        next=page.next,
    )


@router.get(
    "/compounds/{compound_id}",
    response={200: CompoundTeamOut, 404: ErrorOut},
    operation_id="teams_compound_read",
    summary="One compound's team: each post with what it needs, its current members and what is missing",
)
def teams_compound_read(request: HttpRequest, compound_id: int) -> CompoundTeamOut:
    return _team_out(request, sel.compound_team(sel.access_compound(request.user, compound_id)))


def _require_team_manage(request: HttpRequest, compound: Place) -> None:
    if not may_manage(request.user, compound.path):
        raise Forbidden(_("您的岗位只能查看“%(place)s”的治理团队,不能调整") % {"place": compound.name})


@router.post(
    "/compounds/{compound_id}/members",
    response={200: CompoundTeamMemberOut, 201: CompoundTeamMemberOut, **ERRORS},
    operation_id="teams_members_add",
    summary="Seat a person on a post of the compound's team (201); the same person already on it: 200",
)
def teams_members_add(
    request: HttpRequest, compound_id: int, payload: CompoundTeamMemberIn
) -> Status[CompoundTeamMemberOut]:
    compound = sel.access_compound(request.user, compound_id)
    _require_team_manage(request, compound)
    person = sel.team_person(request.user, compound, payload.person_id)
    member, created = s.member_add(
        actor=request.user,
        compound=compound,
        post=payload.post,
        person=person,
        note=payload.note,
        started_on=payload.started_on,
    )
    return Status(201 if created else 200, _member_out(member))


@router.post(
    "/members/{member_id}/end",
    response={200: CompoundTeamMemberOut, **ERRORS},
    operation_id="teams_members_end",
    summary="The member leaves the post (离任); items assigned to them stay with the post; a repeat changes nothing",
)
def teams_members_end(request: HttpRequest, member_id: int, payload: CompoundTeamMemberEndIn) -> CompoundTeamMemberOut:
    member = sel.access_member(request.user, member_id)
    _require_team_manage(request, member.compound)
    ended = s.member_end(actor=request.user, member=member, ended_on=payload.ended_on, reason=payload.reason)
    return _member_out(ended)


# ----------------------------------------------------------------------------- 事项清单


class DutyItemOut(Schema):
    id: int
    place_id: int
    place_name: str
    template: bool = Field(description="true: an item of a community's template; false: of a compound's list")
    category: str
    category_label: str
    title: str
    detail: str
    frequency: str
    frequency_label: str
    post: str = Field(description="the post responsible (任务到岗); empty: not yet assigned")
    post_name: str
    member_id: int | None = Field(description="the team member responsible (责任到人), compounds only")
    member_name: str
    source_id: int | None = Field(description="the template item it was copied from")
    updated_at: dt.datetime


class DutyItemListOut(Schema):
    items: list[DutyItemOut]
    next: str | None


class DutyItemListQuery(PageQuery):
    place_id: int | None = Field(None, description="a compound's list or a community's template")
    category: str | None = Field(None, description=CATEGORIES)


class DutyItemFields(Schema):
    category: str = Field(description=CATEGORIES)
    title: str = Field(description="up to 100 characters, unique in the list")
    detail: str = Field("", description="工作内容, up to 1000 characters")
    frequency: str = Field(description=FREQUENCIES)
    post: str = Field("", description="a post code of the place's standard; empty: not yet assigned")
    member_id: int | None = Field(None, description="a current member of the compound's team (compounds only)")


class DutyItemIn(DutyItemFields):
    place_id: int = Field(description="a compound (its list) or a community (its template) where you hold manage")


class DutyItemsCopyIn(Schema):
    community_id: int
    compound_ids: list[int] = Field(default_factory=list, description="empty: every compound of the community")
    item_ids: list[int] = Field(default_factory=list, description="empty: the whole template")


class DutyItemsCopyOut(Schema):
    created: int
    skipped: int = Field(description="already copied, or the compound's list has an item of that title")


def _items_out(items: list[DutyItem]) -> list[DutyItemOut]:
    names = sel.post_names_at(i.place_path for i in items)
    return [
        DutyItemOut(
            id=i.pk,
            place_id=i.place_id,
            place_name=i.place.name,
            template=i.place.kind == PlaceKind.COMMUNITY,
            category=i.category,
            category_label=i.category_label,
            title=i.title,
            detail=i.detail,
            frequency=i.frequency,
            frequency_label=i.frequency_label,
            post=i.post,
            post_name=seeded(names.get(i.place_path, {}).get(i.post, "")),
            member_id=i.member_id,
            member_name=i.member.person.name if i.member else "",
            source_id=i.source_id,
            updated_at=i.updated_at,
        )
        for i in items
    ]


def _duty(request: HttpRequest, payload: DutyItemFields) -> si.Duty:
    member = None
    if payload.member_id is not None:
        member = get_or_not_found(sel.visible_members(request.user), payload.member_id, field="member_id")
    return si.Duty(
        category=payload.category,
        title=payload.title,
        detail=payload.detail,
        frequency=payload.frequency,
        post=payload.post,
        member=member,
    )


def _list_place(request: HttpRequest, place_id: Any, field: str = "place_id") -> Place:
    """A compound or community whose list the user may read."""
    qs = Place.objects.filter(sel.team_scope(request.user).q("path"), kind__in=sorted(si.LIST_PLACE_KINDS))
    return get_or_not_found(qs, place_id, field=field)  # type: ignore[no-any-return]


@router.get(
    "/items",
    response={200: DutyItemListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="teams_items_list",
    summary="Duty list items you can see (a compound's list, a community's template), in id order",
)
def teams_items_list(request: HttpRequest, filters: Query[DutyItemListQuery]) -> DutyItemListOut:
    qs = sel.visible_items(request.user).select_related("place", "member__person")
    if filters.place_id is not None:
        qs = qs.filter(place=_list_place(request, filters.place_id))
    if filters.category:
        if filters.category not in DutyCategory.values:
            raise InvalidInput(_("请选择%(label)s") % {"label": _("事项类别")}, field="category")
        qs = qs.filter(category=filters.category)
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit)
    return DutyItemListOut(items=_items_out(page.items), next=page.next)


COPY_IDS_MAX = 1000


def _many(visible: Any, ids: list[int], field: str) -> list[Any] | None:
    """The rows of ``ids`` the user can see (None for no ids: "all"); one id that is not is the 404 of a missing one."""
    if not ids:
        return None
    wanted = list(dict.fromkeys(ids))
    if len(wanted) > COPY_IDS_MAX:
        raise InvalidInput(_("一次最多选择 %(max)d 项") % {"max": COPY_IDS_MAX}, field=field)
    found = {row.pk: row for row in visible.filter(pk__in=wanted)}
    if len(found) != len(wanted):
        raise NotFound(_(NOT_FOUND_MESSAGE), field=field)
    return [found[pk] for pk in wanted]


@router.post(
    "/items/copy",
    response={200: DutyItemsCopyOut, **ERRORS},
    operation_id="teams_items_copy",
    summary="Copy a community's template into its compounds; what a compound has already is skipped, so "
    "repeating it adds only what is missing",
)
def teams_items_copy(request: HttpRequest, payload: DutyItemsCopyIn) -> DutyItemsCopyOut:
    community = sel.access_community(request.user, payload.community_id, field="community_id")
    compounds = _many(sel.visible_compounds(request.user), payload.compound_ids, "compound_ids")
    items = _many(sel.visible_items(request.user), payload.item_ids, "item_ids")
    result = si.items_copy(actor=request.user, community=community, compounds=compounds, items=items)
    return DutyItemsCopyOut(created=result.created, skipped=result.skipped)


@router.get("/items/{duty_item_id}", response={200: DutyItemOut, 404: ErrorOut}, operation_id="teams_items_read")
def teams_items_read(request: HttpRequest, duty_item_id: int) -> DutyItemOut:
    return _items_out([sel.access_item(request.user, duty_item_id)])[0]


@router.post(
    "/items",
    response={200: DutyItemOut, 201: DutyItemOut, **ERRORS},
    operation_id="teams_items_create",
    summary="Add an item to a compound's list or a community's template; retries with the same Idempotency-Key "
    "answer with the first item (200); a title the list already has is 409",
)
def teams_items_create(request: HttpRequest, payload: DutyItemIn) -> Status[DutyItemOut]:
    place = _list_place(request, payload.place_id)
    item, created = si.item_create(
        actor=request.user,
        place=place,
        duty=_duty(request, payload),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201 if created else 200, _items_out([sel.access_item(request.user, item.pk)])[0])


@router.put(
    "/items/{duty_item_id}",
    response={200: DutyItemOut, **ERRORS},
    operation_id="teams_items_update",
    summary="Rewrite an item (every field as given); saving it unchanged records nothing",
)
def teams_items_update(request: HttpRequest, duty_item_id: int, payload: DutyItemFields) -> DutyItemOut:
    item = sel.access_item(request.user, duty_item_id)
    si.item_update(actor=request.user, item=item, duty=_duty(request, payload))
    return _items_out([sel.access_item(request.user, duty_item_id)])[0]


@router.delete(
    "/items/{duty_item_id}",
    response={204: None, **ERRORS},
    operation_id="teams_items_delete",
    summary="Delete an item; copies made from a template item stay in the compounds",
)
def teams_items_delete(request: HttpRequest, duty_item_id: int) -> Status[None]:
    si.item_remove(actor=request.user, item=sel.access_item(request.user, duty_item_id))
    return Status(204, None)
