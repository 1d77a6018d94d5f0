"""The compound governance team pages: the 配齐 overview of a node (share of compounds whose team meets the
standard, per child, and the gaps) and one compound's team with its 事项清单. Forms are shown only to those who
may use them (``manage`` at the compound); a refused form comes back with what was typed and the error beside
its field (422). Grid workers and building heads see their own compound read-only."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from linli.core.dates import parse_day
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.identifiers import parse_id
from linli.places.models import Place, PlaceKind
from linli.teams import selectors as sel
from linli.teams import services as s
from linli.teams import services_items as si
from linli.teams.models import DutyItem, TeamMember
from linli.teams.permissions import may_manage
from linli.teams.views_common import (
    CATEGORY_CHOICES,
    FREQUENCY_CHOICES,
    assignee_options,
    form_error,
    item_rows,
    new_item_values,
    parse_assignee,
    pick,
)

# Above this many compounds the overview lists the children's shares and the gaps, not every compound.
ROWS_SHOWN = 300
GAPS_SHOWN = 300

# The fields each form shows; an error on another field (or none) is shown at the top of its form.
FORM_FIELDS: dict[str, set[str]] = {
    "member_add": {"post", "person_id", "note", "started_on"},
    "member_end": {"ended_on", "reason"},
    "item_create": {"category", "title", "detail", "frequency", "assignee"},
    "item_update": {"category", "title", "detail", "frequency", "assignee"},
    "item_remove": set(),
    "copy": set(),
}
# Service fields shown under another name on the page.
FIELD_ALIASES = {"post": "assignee", "member_id": "assignee"}


def ancestors_in_sight(user: Any, node: Place) -> list[tuple[Place, bool]]:
    """The places above ``node``, each with whether the user may open its overview."""
    scope = sel.team_scope(user)
    paths = [node.path[:i] for i in range(Place.steplen, len(node.path), Place.steplen)]
    return [(a, scope.covers(a.path)) for a in Place.objects.filter(path__in=paths).order_by("depth")]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """配齐 under a node (default: the user's top node; a grid stands for its compound)."""
    node = sel.coverage_node(request.user, request.GET.get("node"))
    coverage = sel.team_coverage(node)
    gaps = coverage.gaps
    return render(
        request,
        "teams/index.html",
        {
            "node": node,
            "crumbs": ancestors_in_sight(request.user, node),
            "coverage": coverage,
            "rows": coverage.rows[:ROWS_SHOWN],
            "rows_truncated": coverage.compounds > ROWS_SHOWN,
            "gaps": gaps[:GAPS_SHOWN],
            "gaps_truncated": len(gaps) > GAPS_SHOWN,
            "communities": _communities(request.user, node, coverage),
            "may_set_standard": bool(sel.standard_places(request.user, limit=1)),
        },
    )


def _communities(user: Any, node: Place, coverage: sel.Coverage) -> list[Place]:
    """Communities whose template the user may open from here (their own scope only)."""
    if node.kind == PlaceKind.COMMUNITY:
        candidates = [node]
    else:
        candidates = [c.place for c in coverage.children if c.place.kind == PlaceKind.COMMUNITY]
    scope = sel.team_scope(user).roots
    return [c for c in candidates if scope.covers(c.path)]


@login_required
def compound(request: HttpRequest, compound_id: int) -> HttpResponse:
    user = request.user
    place = sel.access_compound(user, compound_id)
    editable = may_manage(user, place.path)
    form, error = "", None
    if request.method == "POST":
        if not editable:
            raise Forbidden(_("您的岗位只能查看本小区治理团队和事项清单"))
        form = request.POST.get("form", "")
        form = form if form in FORM_FIELDS else ""  # an error of an unknown form shows at the top of the page
        try:
            done = _act(request, place, form)
        except (InvalidInput, Conflict) as exc:
            error = exc
            if exc.field in FIELD_ALIASES:
                exc.field = FIELD_ALIASES[exc.field]
        else:
            messages.success(request, done)
            return redirect("teams:compound", place.pk)
    team = sel.compound_team(place)
    members = [m for p in team.posts for m in p.members] + team.other_members
    items = sel.place_items(place)
    names = sel.post_names(team.standard)
    community = Place.objects.filter(path=place.path[: -Place.steplen], kind=PlaceKind.COMMUNITY).first()
    rows = item_rows(items, names, request.POST, form if error else "")
    failed_member = parse_id(request.POST.get("member_id")) if error and form == "member_end" else None
    if error and not _shown(form, rows, failed_member, members):
        form = ""  # the row the form belonged to is gone: the error shows at the top of the page
    return render(
        request,
        "teams/compound.html",
        {
            "compound": place,
            "crumbs": ancestors_in_sight(user, place),
            "team": team,
            "names": names,
            "items": rows,
            "new_item": new_item_values(request.POST, form if error else ""),
            "editable": editable,
            "community": community,
            "community_in_sight": community is not None and sel.team_scope(user).roots.covers(community.path),
            "candidates": sel.member_candidates(place) if editable else [],
            "assignees": assignee_options([p.post for p in team.posts], members) if editable else [],
            "templates_missing": sel.templates_missing(place) if editable else 0,
            "categories": CATEGORY_CHOICES,
            "frequencies": FREQUENCY_CHOICES,
            "data": request.POST if error else {},
            "failed_member": failed_member,
            "idempotency_key": uuid.uuid4().hex,
            **form_error(FORM_FIELDS, form, error),
        },
        status=422 if error else 200,
    )


def _shown(form: str, rows: list[dict[str, Any]], failed_member: int | None, members: list[TeamMember]) -> bool:
    """Whether the page still shows the form an error belongs to (an item or member form of a row that exists)."""
    if form in ("item_update", "item_remove"):
        return any(row["open"] for row in rows)
    if form == "member_end":
        return any(m.pk == failed_member for m in members)
    return True


def _act(request: HttpRequest, place: Place, form: str) -> str:
    """Run the form's service; the flash message to show after the redirect."""
    user, data = request.user, request.POST
    if form == "member_add":
        raw = data.get("person_number", "").strip() or data.get("person_id", "")
        if not raw:
            raise InvalidInput(_("请选择人员,或填写其居民台账编号"), field="person_id")
        try:
            person = sel.team_person(user, place, parse_id(raw) or 0)
        except NotFound as exc:  # beside the field, with what was typed kept
            raise InvalidInput(exc.message, field="person_id") from None
        member, created = s.member_add(
            actor=user,
            compound=place,
            post=data.get("post", ""),
            person=person,
            note=data.get("note", ""),
            started_on=parse_day(data.get("started_on"), "started_on"),
        )
        if not created:
            return _("%(name)s 已在该岗位上。") % {"name": person.name}
        return _("%(name)s 已加入治理团队。") % {"name": person.name}
    if form == "member_end":
        member = (
            TeamMember.objects.filter(compound=place, pk=parse_id(data.get("member_id")) or 0)
            .select_related("person")
            .first()
        )
        if member is None:
            raise InvalidInput(_("请选择%(label)s") % {"label": _("成员")}, field="member_id")
        s.member_end(
            actor=user, member=member, ended_on=parse_day(data.get("ended_on"), "ended_on"), reason=data.get("reason")
        )
        return _("%(name)s 已离任,其负责的事项仍由该岗位承担。") % {"name": member.person.name}
    members = _current_members(place)
    if form == "item_create":
        post, member = parse_assignee(data.get("assignee"), members)
        item, _created = si.item_create(
            actor=user, place=place, duty=_duty(data, post, member), idempotency_key=data.get("idempotency_key", "")
        )
        return _("已添加事项“%(title)s”。") % {"title": item.title}
    if form == "item_update":
        item = pick(DutyItem.objects.filter(place=place), data.get("duty_id"), "duty_id", _("事项"))
        post, member = parse_assignee(data.get("assignee"), members)
        si.item_update(actor=user, item=item, duty=_duty(data, post, member))
        return _("已保存事项“%(title)s”。") % {"title": item.title}
    if form == "item_remove":
        return remove_item(user, place, data.get("duty_id"))
    if form == "copy":
        community = Place.objects.filter(path=place.path[: -Place.steplen], kind=PlaceKind.COMMUNITY).first()
        if community is None:
            raise InvalidInput(_("该小区不在任何社区之下,没有社区事项模板"))
        result = si.items_copy(actor=user, community=community, compounds=[place])
        return _("已从社区事项模板复制 %(n)d 项(已有的 %(skipped)d 项未重复复制)。") % {
            "n": result.created,
            "skipped": result.skipped,
        }
    raise InvalidInput(_("请使用页面上的表单提交"))


def _current_members(place: Place) -> list[TeamMember]:
    return list(TeamMember.objects.filter(compound=place, ended_on__isnull=True).select_related("person"))


def _duty(data: Any, post: str, member: TeamMember | None) -> si.Duty:
    return si.Duty(
        category=data.get("category", ""),
        title=data.get("title", ""),
        detail=data.get("detail", ""),
        frequency=data.get("frequency", ""),
        post=post,
        member=member,
    )


def remove_item(user: Any, place: Place, raw_id: Any) -> str:
    """Delete one item of the place's list; an item already gone (a second press) is reported as done."""
    item = DutyItem.objects.filter(place=place, pk=parse_id(raw_id) or 0).select_related("place").first()
    if item is None:
        return _("该事项已删除。")
    si.item_remove(actor=user, item=item)
    return _("已删除事项“%(title)s”。") % {"title": item.title}
