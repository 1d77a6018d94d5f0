"""Writes of a community's service list: create, edit, withdraw (停办) and reorder items, publish the list (公示).

Each function is one transaction with its audit event and needs ``manage`` at the community
(``linli.guide.permissions``). An item is never deleted: a draft or published item is withdrawn with a reason and
stays in the records. Editing a published item changes the public list at once, records which fields changed
(an item event and the audit) and bumps ``revised_at`` (the public page's "更新于"). Publishing the list publishes
the drafts and freezes a numbered version; publishing again with nothing changed answers the last version and
writes nothing. A create retried under its idempotency key answers with the first item; saving an item unchanged
records nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.idempotency import clean_key, create_once
from linli.core.text import DIGITS_MAX, clean_text
from linli.guide.models import (
    DEFAULT_FEE,
    TIME_LIMIT_MAX,
    Category,
    Channel,
    EventKind,
    ItemStatus,
    ListPublication,
    Mode,
    ServiceItem,
    ServiceItemEvent,
)
from linli.guide.permissions import may_keep
from linli.places.models import Place, PlaceKind

NAME_MAX = 60
AUDIENCE_MAX = 200
LOCATION_MAX = 200
HOURS_MAX = 100
FEE_MAX = 100
POST_MAX = 60
BASIS_MAX = 500
NOTES_MAX = 500
MATERIAL_MAX = 100
MATERIALS_MAX = 20
REASON_MAX = 200
NOTE_MAX = 200
SORT_STEP = 10

CATEGORY_ORDER = {code: n for n, code in enumerate(Category.values)}
FIELDS = (
    "name",
    "category",
    "audience",
    "materials",
    "channels",
    "location",
    "hours",
    "time_limit_days",
    "mode",
    "on_order",
    "fee",
    "responsible_post",
    "basis",
    "notes",
)


@dataclass(frozen=True)
class ItemFields:
    """What an item form, the API or a sheet row sends; every value is checked by ``clean``. ``materials``: a list
    of lines or one text with a line each; ``channels``: codes of ``Channel``."""

    name: Any
    category: Any
    audience: Any
    responsible_post: Any
    location: Any
    hours: Any
    channels: Any = (Channel.WINDOW,)
    materials: Any = ()
    time_limit_days: Any = 0
    mode: Any = Mode.INSTANT
    on_order: bool = False
    fee: Any = DEFAULT_FEE
    basis: Any = ""
    notes: Any = ""


# ----------------------------------------------------------------------------- input


def require_community(place: Place) -> None:
    if place.kind != PlaceKind.COMMUNITY:
        raise InvalidInput(_("服务清单按社区维护,请选择一个社区"), field="community_id")


def _require_keeper(actor: Any, community: Place) -> None:
    require_community(community)
    if not may_keep(actor, community.path):
        raise Forbidden(_("您的岗位无权维护“%(name)s”的服务清单") % {"name": community.name})


def _choice(raw: Any, values: list[str], *, field: str, label: str) -> str:
    value = (str(raw) if raw is not None else "").strip()
    if value not in values:
        raise InvalidInput(_("请选择%(label)s") % {"label": label}, field=field)
    return value


def _days(raw: Any) -> int:
    text = str(raw if raw is not None else "").strip()
    if not text:
        return 0
    if not (text.isascii() and text.isdigit()) or len(text) > DIGITS_MAX or int(text) > TIME_LIMIT_MAX:
        raise InvalidInput(
            _("承诺时限应为 0 到 %(max)d 之间的整数(工作日;0 表示即办)") % {"max": TIME_LIMIT_MAX},
            field="time_limit_days",
        )
    return int(text)


def _materials(raw: Any) -> list[str]:
    parts: Iterable[Any] = raw.splitlines() if isinstance(raw, str) else list(raw or [])
    out: list[str] = []
    for part in parts:
        text = str(part or "").strip()
        if not text or text in out:
            continue
        if len(text) > MATERIAL_MAX:
            raise InvalidInput(
                _("所需材料每行不能超过 %(n)d 字:“%(text)s”") % {"n": MATERIAL_MAX, "text": text[:20]},
                field="materials",
            )
        out.append(text)
    if len(out) > MATERIALS_MAX:
        raise InvalidInput(_("所需材料最多 %(n)d 行") % {"n": MATERIALS_MAX}, field="materials")
    return out


def _channels(raw: Any) -> list[str]:
    given = {str(x).strip() for x in ([raw] if isinstance(raw, str) else list(raw or []))} - {""}
    if not given or given - set(Channel.values):
        raise InvalidInput(_("请选择办理方式(窗口、上门或线上,可多选)"), field="channels")
    return [code for code in Channel.values if code in given]


def clean(fields: ItemFields) -> dict[str, Any]:
    """The item's columns from the submitted fields, each refused with its field named."""
    mode = _choice(fields.mode, Mode.values, field="mode", label=_("办理模式(即办、快办、联办)"))
    days = _days(fields.time_limit_days)
    if mode == Mode.INSTANT and days:
        raise InvalidInput(_("即办事项当场办结,承诺时限应为 0"), field="time_limit_days")
    if mode != Mode.INSTANT and not days:
        raise InvalidInput(_("快办、联办事项的承诺时限至少 1 个工作日;当场办结的请选“即办”"), field="time_limit_days")
    return {
        "name": clean_text(fields.name, field="name", label=_("事项名称"), max_length=NAME_MAX),
        "category": _choice(fields.category, Category.values, field="category", label=_("服务类别")),
        "audience": clean_text(fields.audience, field="audience", label=_("服务对象"), max_length=AUDIENCE_MAX),
        "materials": _materials(fields.materials),
        "channels": _channels(fields.channels),
        "location": clean_text(fields.location, field="location", label=_("办理地点"), max_length=LOCATION_MAX),
        "hours": clean_text(fields.hours, field="hours", label=_("办理时间"), max_length=HOURS_MAX),
        "time_limit_days": days,
        "mode": mode,
        "on_order": bool(fields.on_order),
        "fee": clean_text(fields.fee, field="fee", label=_("收费标准"), max_length=FEE_MAX, required=False)
        or DEFAULT_FEE,
        "responsible_post": clean_text(
            fields.responsible_post, field="responsible_post", label=_("责任岗位"), max_length=POST_MAX
        ),
        "basis": clean_text(fields.basis, field="basis", label=_("办理依据"), max_length=BASIS_MAX, required=False),
        "notes": clean_text(fields.notes, field="notes", label=_("温馨提示"), max_length=NOTES_MAX, required=False),
    }


def _name_taken(name: str) -> Conflict:
    return Conflict(_("清单中已有名为“%(name)s”的事项") % {"name": name}, field="name")


def _event(item: ServiceItem, kind: str, actor: Any, **extra: Any) -> ServiceItemEvent:
    return ServiceItemEvent.objects.create(item=item, place_path=item.place_path, kind=kind, actor=actor, **extra)


# ----------------------------------------------------------------------------- items


@transaction.atomic
def item_create(
    *, actor: Any, community: Place, fields: ItemFields, idempotency_key: str = ""
) -> tuple[ServiceItem, bool]:
    """Add a draft item to the community's list, last in its category: ``(item, created)``."""
    _require_keeper(actor, community)
    values = clean(fields)
    key = clean_key(idempotency_key)

    def create() -> ServiceItem:
        in_use = ServiceItem.objects.filter(community=community).exclude(status=ItemStatus.WITHDRAWN)
        if in_use.filter(name=values["name"]).exists():
            raise _name_taken(values["name"])
        last = in_use.filter(category=values["category"]).aggregate(m=Max("sort"))["m"] or 0
        return ServiceItem.objects.create(
            community=community,
            place_path=community.path,
            sort=last + SORT_STEP,
            created_by=actor,
            idempotency_key=key,
            **values,
        )

    item, created = create_once(
        earlier=ServiceItem.objects.filter(created_by=actor),
        key=key,
        create=create,
        same=lambda e: e.community_id == community.pk and e.name == values["name"],
        refusal=lambda e: _("这个 Idempotency-Key 已用于另一个事项“%(name)s”") % {"name": e.name},
    )
    if created:
        _event(item, EventKind.CREATED, actor)
        audit_record(action="guide.item_created", actor=actor, target=item, community=community.pk)
    return item, created


@transaction.atomic
def item_update(*, actor: Any, item: ServiceItem, fields: ItemFields) -> ServiceItem:
    """Rewrite a draft or published item (every field as given). A published item's change is public at once:
    ``revised_at`` moves and the changed fields are recorded. A withdrawn item is not edited (409)."""
    locked = ServiceItem.objects.select_for_update().get(pk=item.pk)
    community = Place.objects.get(pk=locked.community_id)
    _require_keeper(actor, community)
    if locked.status == ItemStatus.WITHDRAWN:
        raise Conflict(_("该事项已停办,不能修改"), field="name")
    values = clean(fields)
    changed = [name for name in FIELDS if getattr(locked, name) != values[name]]
    if not changed:
        return locked
    if (
        "name" in changed
        and ServiceItem.objects.filter(community_id=locked.community_id, name=values["name"])
        .exclude(status=ItemStatus.WITHDRAWN)
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise _name_taken(values["name"])
    published = locked.status == ItemStatus.PUBLISHED
    if "category" in changed:  # last in its new category
        last = (
            ServiceItem.objects.filter(community_id=locked.community_id, category=values["category"])
            .exclude(status=ItemStatus.WITHDRAWN)
            .aggregate(m=Max("sort"))["m"]
            or 0
        )
        locked.sort = last + SORT_STEP
    for name in changed:
        setattr(locked, name, values[name])
    if published:
        locked.revised_at = timezone.now()
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:
        raise _name_taken(values["name"]) from None
    _event(locked, EventKind.REVISED, actor, changed=changed, while_published=published)
    audit_record(action="guide.item_updated", actor=actor, target=locked, changed=changed, published=published)
    return locked


@transaction.atomic
def item_withdraw(*, actor: Any, item: ServiceItem, reason: Any) -> ServiceItem:
    """停办: take an item off the list with the reason (it stays in the records, and a published one stays on the
    public page as withdrawn). A second withdrawal changes nothing."""
    locked = ServiceItem.objects.select_for_update().get(pk=item.pk)
    community = Place.objects.get(pk=locked.community_id)
    _require_keeper(actor, community)
    if locked.status == ItemStatus.WITHDRAWN:
        return locked
    text = clean_text(reason, field="reason", label=_("停办原因"), max_length=REASON_MAX)
    was_published = locked.status == ItemStatus.PUBLISHED
    locked.status = ItemStatus.WITHDRAWN
    locked.withdraw_reason = text
    locked.withdrawn_at = timezone.now()
    locked.save(update_fields=["status", "withdraw_reason", "withdrawn_at", "updated_at"])
    _event(locked, EventKind.WITHDRAWN, actor, note=text, while_published=was_published)
    audit_record(action="guide.item_withdrawn", actor=actor, target=locked, reason=text, published=was_published)
    return locked


@transaction.atomic
def items_reorder(*, actor: Any, community: Place, category: Any, item_ids: list[int]) -> list[ServiceItem]:
    """Set the order of the community's items in use (draft or published) of one category: ``item_ids`` names each
    of them once, first first. Ordering is not a change of content (``revised_at`` stays)."""
    _require_keeper(actor, community)
    code = _choice(category, Category.values, field="category", label=_("服务类别"))
    Place.objects.select_for_update().filter(pk=community.pk).first()  # one reorder of a list at a time
    items = list(
        ServiceItem.objects.filter(community=community, category=code)
        .exclude(status=ItemStatus.WITHDRAWN)
        .order_by("sort", "id")
    )
    by_id = {i.pk: i for i in items}
    if len(item_ids) != len(set(item_ids)) or set(item_ids) != set(by_id):
        raise InvalidInput(_("请按本类别在用的全部事项给出顺序,每项一次"), field="item_ids")
    if [i.pk for i in items] == list(item_ids):
        return items
    ordered = [by_id[pk] for pk in item_ids]
    for n, item in enumerate(ordered, start=1):
        item.sort = n * SORT_STEP
    ServiceItem.objects.bulk_update(ordered, ["sort"])
    audit_record(action="guide.items_reordered", actor=actor, target=community, category=code, items=list(item_ids))
    return ordered


def item_move(*, actor: Any, item: ServiceItem, up: bool) -> list[ServiceItem]:
    """Move an item one place up or down within its category (the page's arrows)."""
    community = Place.objects.get(pk=item.community_id)
    ids = list(
        ServiceItem.objects.filter(community=community, category=item.category)
        .exclude(status=ItemStatus.WITHDRAWN)
        .order_by("sort", "id")
        .values_list("pk", flat=True)
    )
    if item.pk not in ids:
        raise Conflict(_("该事项已停办,不能调整顺序"), field="item_id")
    n = ids.index(item.pk)
    m = n - 1 if up else n + 1
    if 0 <= m < len(ids):
        ids[n], ids[m] = ids[m], ids[n]
    return items_reorder(actor=actor, community=community, category=item.category, item_ids=ids)


# ----------------------------------------------------------------------------- publication (公示)


def public_line(item: ServiceItem) -> dict[str, Any]:
    """An item's public fields, as a publication freezes them."""
    return {
        "id": item.pk,
        "name": item.name,
        "category": item.category,
        "audience": item.audience,
        "materials": list(item.materials),
        "channels": list(item.channels),
        "location": item.location,
        "hours": item.hours,
        "time_limit_days": item.time_limit_days,
        "mode": item.mode,
        "on_order": item.on_order,
        "fee": item.fee,
        "responsible_post": item.responsible_post,
        "basis": item.basis,
        "notes": item.notes,
    }


def in_list_order(items: Iterable[ServiceItem]) -> list[ServiceItem]:
    """Category by category (in the platform's order), then each category's own order."""
    return sorted(items, key=lambda i: (CATEGORY_ORDER.get(i.category, 99), i.sort, i.pk))


@transaction.atomic
def list_publish(*, actor: Any, community: Place, note: Any = "") -> tuple[ListPublication, bool]:
    """公示: publish every draft of the community's list and freeze the list as the next numbered version:
    ``(publication, created)``. With no draft and the list as the last version has it, the last version is the
    answer and nothing is written (a double submit publishes once)."""
    _require_keeper(actor, community)
    text = clean_text(note, field="note", label=_("公示说明"), max_length=NOTE_MAX, required=False)
    Place.objects.select_for_update().filter(pk=community.pk).first()  # publishes of one list queue here
    now = timezone.now()
    drafts = list(ServiceItem.objects.select_for_update().filter(community=community, status=ItemStatus.DRAFT))
    for item in drafts:
        item.status = ItemStatus.PUBLISHED
        item.published_at = item.published_at or now
    if drafts:
        ServiceItem.objects.bulk_update(drafts, ["status", "published_at"])
        ServiceItemEvent.objects.bulk_create(
            [ServiceItemEvent(item=i, place_path=i.place_path, kind=EventKind.PUBLISHED, actor=actor) for i in drafts]
        )
    published = in_list_order(ServiceItem.objects.filter(community=community, status=ItemStatus.PUBLISHED))
    lines = [public_line(i) for i in published]
    last = ListPublication.objects.filter(community=community).order_by("-number").first()
    if last is not None and not drafts and last.lines == lines:
        return last, False
    if not lines:
        raise InvalidInput(_("清单中没有可公示的事项,请先添加事项"), field="community_id")
    publication = ListPublication.objects.create(
        community=community,
        place_path=community.path,
        number=(last.number + 1) if last else 1,
        item_count=len(lines),
        lines=lines,
        note=text,
        published_by=actor,
    )
    audit_record(
        action="guide.list_published",
        actor=actor,
        target=community,
        number=publication.number,
        items=publication.item_count,
        newly_published=len(drafts),
    )
    return publication, True
