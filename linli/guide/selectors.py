"""Reads of the community service lists: the public list, an item, the versions (公示), the street page, the
figures, and when a request made now is due.

Public reads (the published list, a published or withdrawn item, the versions) find any community by id; a draft
is read only by those who keep the list (``access_item``); any other id is the 404 of a missing one. Every
function here costs a fixed number of queries, however many rows it reads.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.dates import day_bounds
from linli.core.errors import InvalidInput, NotFound
from linli.core.scoping import NOT_FOUND_MESSAGE, get_or_not_found, scope_for, scope_for_any
from linli.guide.models import (
    Category,
    EventKind,
    ItemStatus,
    ListPublication,
    Mode,
    ServiceItem,
    ServiceItemEvent,
)
from linli.guide.permissions import kept_q, may_keep, may_see_figures
from linli.guide.services import in_list_order
from linli.places.models import Place, PlaceKind

COMMUNITY_PATH_LENGTH = 3 * Place.steplen
STREET_PATH_LENGTH = 2 * Place.steplen
SEARCH_MAX = 50


def _not_found(field: str | None = None) -> NotFound:
    return NotFound(_(NOT_FOUND_MESSAGE), field=field)


# ----------------------------------------------------------------------------- places


def public_community(pk: Any, *, field: str | None = None) -> Place:
    """Any community, by id (its list is public); another kind of place is the 404 of a missing id."""
    return get_or_not_found(Place.objects.filter(kind=PlaceKind.COMMUNITY), pk, field=field)  # type: ignore[no-any-return]


def public_street(pk: Any, *, field: str | None = None) -> Place:
    return get_or_not_found(Place.objects.filter(kind=PlaceKind.STREET), pk, field=field)  # type: ignore[no-any-return]


def kept_community(user: Any, pk: Any, *, field: str | None = None) -> Place:
    """A community whose list the user keeps; any other id is the same 404."""
    community = public_community(pk, field=field)
    if not may_keep(user, community.path):
        raise _not_found(field)
    return community


def street_of(community: Place) -> Place | None:
    return Place.objects.filter(path=community.path[:STREET_PATH_LENGTH], kind=PlaceKind.STREET).first()


def streets() -> list[Place]:
    return list(Place.objects.filter(kind=PlaceKind.STREET).order_by("path")[:200])


def street_communities(street: Place) -> list[Place]:
    return list(Place.objects.filter(path__under=street.path, kind=PlaceKind.COMMUNITY).order_by("path")[:500])


def kept_communities(user: Any, *, limit: int = 500) -> list[Place]:
    scope = scope_for(user, "manage")
    if scope.empty:
        return []
    return list(Place.objects.filter(scope.q("path"), kind=PlaceKind.COMMUNITY).order_by("path")[:limit])


def figure_nodes(user: Any, *, limit: int = 500) -> list[Place]:
    """The streets and communities whose figures the user reads."""
    scope = scope_for_any(user, ("manage", "lead"))
    if scope.empty:
        return []
    qs = Place.objects.filter(scope.q("path"), kind__in=[PlaceKind.STREET, PlaceKind.COMMUNITY])
    return list(qs.order_by("path")[:limit])


def home_community(user: Any) -> Place | None:
    """The community the user lives in (the resident ledger) or holds a position in."""
    if not getattr(user, "is_authenticated", False):
        return None
    person: Any = getattr(user, "person", None)
    paths = [str(getattr(person, "place_path", "") or ""), *scope_for(user).paths]
    for path in paths:
        if len(path) >= COMMUNITY_PATH_LENGTH:
            found = Place.objects.filter(path=path[:COMMUNITY_PATH_LENGTH], kind=PlaceKind.COMMUNITY).first()
            if found is not None:
                return found
    return None


# ----------------------------------------------------------------------------- items


def visible_items(user: Any) -> QuerySet[ServiceItem]:
    """Published and withdrawn-after-publication items (everyone), and every item of the lists the user keeps."""
    public = Q(status=ItemStatus.PUBLISHED) | Q(status=ItemStatus.WITHDRAWN, published_at__isnull=False)
    return ServiceItem.objects.filter(public | kept_q(user))


def access_item(user: Any, pk: Any) -> ServiceItem:
    return get_or_not_found(visible_items(user).select_related("community"), pk)  # type: ignore[no-any-return]


def kept_items(user: Any) -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(kept_q(user))


def access_kept_item(user: Any, pk: Any) -> ServiceItem:
    return get_or_not_found(kept_items(user).select_related("community"), pk)  # type: ignore[no-any-return]


def search_words(raw: Any) -> list[str]:
    text = str(raw or "").strip()[:SEARCH_MAX]
    return [w for w in text.split() if w][:5]


def published_items(community: Place | None, *, q: Any = "", category: str = "") -> QuerySet[ServiceItem]:
    """The community's published items (every community's when None), filtered by words in the name (all of
    them) and a category."""
    qs = ServiceItem.objects.filter(status=ItemStatus.PUBLISHED)
    if community is not None:
        qs = qs.filter(community=community)
    for word in search_words(q):
        qs = qs.filter(name__icontains=word)
    if category:
        if category not in Category.values:
            raise InvalidInput(_("请选择%(label)s") % {"label": _("服务类别")}, field="category")
        qs = qs.filter(category=category)
    return qs


@dataclass
class Group:
    code: str
    label: str
    items: list[ServiceItem] = field(default_factory=list)


def grouped(items: list[ServiceItem]) -> list[Group]:
    """Items by category, in the platform's category order and each category's own order."""
    groups: dict[str, Group] = {}
    for item in in_list_order(items):
        groups.setdefault(item.category, Group(item.category, item.category_label)).items.append(item)
    return list(groups.values())


def withdrawn_public(community: Place, *, limit: int = 50) -> list[ServiceItem]:
    """Items the community stopped (停办) after publishing them, most recent first: shown with the reason."""
    qs = ServiceItem.objects.filter(community=community, status=ItemStatus.WITHDRAWN, published_at__isnull=False)
    return list(qs.order_by("-withdrawn_at", "-id")[:limit])


def kept_list(community: Place, *, limit: int = 500) -> list[ServiceItem]:
    """Every item of the list in use (drafts and published) in list order, for those who keep it."""
    qs = ServiceItem.objects.filter(community=community).exclude(status=ItemStatus.WITHDRAWN)
    return in_list_order(qs.order_by("id")[:limit])


def item_events(item: ServiceItem) -> list[ServiceItemEvent]:
    return list(item.events.select_related("actor", "actor__person").order_by("at", "id"))


# ----------------------------------------------------------------------------- when it is due


@dataclass(frozen=True)
class Due:
    day: dt.date
    instant: bool
    warning: str | None


def due(item: ServiceItem, *, now: dt.datetime | None = None) -> Due:
    """When a request made ``now`` is due by the item's promise (承诺时限, working days on the official calendar):
    即办 items are done on the spot (the day itself, or the next working day when asked on a rest day)."""
    from linli.workdays.services import add_working_days, calendar_warning

    moment = now or timezone.now()
    end = add_working_days(moment, days=item.time_limit_days)
    return Due(day=end.date(), instant=item.mode == Mode.INSTANT, warning=calendar_warning(moment, end))


# ----------------------------------------------------------------------------- versions (公示)


def publications(community: Place | None) -> QuerySet[ListPublication]:
    """A community's versions (every community's when None)."""
    qs = ListPublication.objects.all() if community is None else ListPublication.objects.filter(community=community)
    return qs.select_related("published_by", "published_by__person")


def current_publication(community: Place) -> ListPublication | None:
    return ListPublication.objects.filter(community=community).order_by("-number").first()


def publication_on(community: Place, day: dt.date) -> ListPublication | None:
    """The version in force on ``day`` (Beijing time): the last one published by the end of that day."""
    _start, end = day_bounds(day, day)
    return (
        ListPublication.objects.filter(community=community, published_at__lt=end)
        .select_related("published_by", "published_by__person")
        .order_by("-number")
        .first()
    )


def access_publication(pk: Any, *, field: str | None = None) -> ListPublication:
    """Any version, by id: a 公示 is public."""
    qs = ListPublication.objects.select_related("community", "published_by", "published_by__person")
    return get_or_not_found(qs, pk, field=field)  # type: ignore[no-any-return]


@dataclass
class Line:
    """A frozen line of a version, for display."""

    data: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.data[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def category_label(self) -> str:
        code = self.data.get("category", "")
        return str(Category(code).label) if code in Category.values else code

    @property
    def mode_label(self) -> str:
        code = self.data.get("mode", "")
        return str(Mode(code).label) if code in Mode.values else code

    @property
    def channel_labels(self) -> list[str]:
        from linli.guide.models import Channel

        return [str(Channel(c).label) for c in self.data.get("channels", []) if c in Channel.values]


def publication_groups(publication: ListPublication) -> list[tuple[str, list[Line]]]:
    groups: dict[str, list[Line]] = {}
    for data in publication.lines:
        groups.setdefault(data.get("category", ""), []).append(Line(data))
    return [(Line({"category": code}).category_label, lines) for code, lines in groups.items()]


# ----------------------------------------------------------------------------- figures


@dataclass
class CommunityRow:
    place: Place
    published: int = 0
    instant: int = 0
    on_order: int = 0
    drafts: int = 0
    withdrawn: int = 0
    changed: int = 0
    version: int | None = None
    published_on: dt.datetime | None = None
    by_category: dict[str, int] = field(default_factory=dict)

    @property
    def instant_share(self) -> float | None:
        return round(self.instant / self.published, 4) if self.published else None

    @property
    def has_list(self) -> bool:
        return self.version is not None


@dataclass
class Figures:
    node: Place
    since: dt.date
    until: dt.date
    communities: list[CommunityRow]
    by_category: list[tuple[str, str, int]]

    @property
    def published(self) -> int:
        return sum(r.published for r in self.communities)

    @property
    def instant(self) -> int:
        return sum(r.instant for r in self.communities)

    @property
    def instant_share(self) -> float | None:
        """即办 share: published items whose mode is 即办 / published items."""
        return round(self.instant / self.published, 4) if self.published else None

    @property
    def on_order(self) -> int:
        return sum(r.on_order for r in self.communities)

    @property
    def changed(self) -> int:
        return sum(r.changed for r in self.communities)

    @property
    def without_list(self) -> list[Place]:
        return [r.place for r in self.communities if not r.has_list]


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """This year so far."""
    day = today or timezone.localdate()
    return day.replace(month=1, day=1), day


def overview(node: Place, *, since: dt.date | None = None, until: dt.date | None = None) -> Figures:
    """Per community under ``node`` (a street, or the community itself): items published now, by category, 即办 and
    订单式 among them, drafts and withdrawn items, items changed in the period (distinct published items revised or
    withdrawn while published), and the current version and its date. Four queries, however many rows."""
    first, last = default_period()
    since, until = since or first, until or last
    if since > until:
        raise InvalidInput(_("开始日期不能晚于结束日期"), field="since")
    if node.kind == PlaceKind.COMMUNITY:
        communities = [node]
    else:
        communities = list(Place.objects.filter(path__under=node.path, kind=PlaceKind.COMMUNITY).order_by("path"))
    rows = {c.pk: CommunityRow(c) for c in communities}
    counts = (
        ServiceItem.objects.filter(place_path__under=node.path)
        .values("community_id", "status", "category", "mode", "on_order")
        .annotate(n=Count("pk"))
        .order_by()
    )
    categories: dict[str, int] = defaultdict(int)
    for r in counts:
        row = rows.get(r["community_id"])
        if row is None:
            continue
        if r["status"] == ItemStatus.DRAFT:
            row.drafts += r["n"]
        elif r["status"] == ItemStatus.WITHDRAWN:
            row.withdrawn += r["n"]
        else:
            row.published += r["n"]
            row.instant += r["n"] if r["mode"] == Mode.INSTANT else 0
            row.on_order += r["n"] if r["on_order"] else 0
            row.by_category[r["category"]] = row.by_category.get(r["category"], 0) + r["n"]
            categories[r["category"]] += r["n"]
    start, end = day_bounds(since, until)
    changed = (
        ServiceItemEvent.objects.filter(
            place_path__under=node.path,
            kind__in=[EventKind.REVISED, EventKind.WITHDRAWN],
            while_published=True,
            at__gte=start,
            at__lt=end,
        )
        .values("item__community_id")
        .annotate(n=Count("item_id", distinct=True))
        .order_by()
    )
    for r in changed:
        row = rows.get(r["item__community_id"])
        if row is not None:
            row.changed = r["n"]
    versions = (
        ListPublication.objects.filter(place_path__under=node.path)
        .values("community_id")
        .annotate(number=Max("number"), at=Max("published_at"))
        .order_by()
    )
    for r in versions:
        row = rows.get(r["community_id"])
        if row is not None:
            row.version, row.published_on = r["number"], r["at"]
    return Figures(
        node=node,
        since=since,
        until=until,
        communities=list(rows.values()),
        by_category=[(code, str(label), categories[code]) for code, label in Category.choices if categories.get(code)],
    )


def figures(user: Any, node: Place, *, since: dt.date | None = None, until: dt.date | None = None) -> Figures:
    """``overview`` for staff holding ``manage`` or ``lead`` at the node (anyone else: the 404 of a missing id)."""
    if node.kind not in (PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.DISTRICT) or not may_see_figures(
        user, node.path
    ):
        raise _not_found("place_id")
    if since and until and (until - since).days > 366 * 5:
        raise InvalidInput(_("统计期间最长五年"), field="until")
    return overview(node, since=since, until=until)
