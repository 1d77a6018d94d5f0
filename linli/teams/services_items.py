"""The 事项清单 (duty list) writes: a community's template and each compound's own list.

"定岗位+定职责+定机制 … 对“事项清单”逐条细化,责任到人、任务到岗" (seed 000): the community keeps a template of
党建, 治理 and 服务 items, each assigned to a post; copying puts the template into its compounds (once per item
and compound, however often it is pressed), where each copy is refined on its own — wording, frequency,
post, and the one team member responsible. Editing the template later does not rewrite the copies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Conflict, InvalidInput
from linli.core.idempotency import clean_key, create_once
from linli.core.text import clean_text
from linli.places.models import Place, PlaceKind
from linli.teams.models import DutyCategory, DutyFrequency, DutyItem, TeamMember
from linli.teams.permissions import require_manage
from linli.teams.services import active_post

TITLE_MAX = 100
DETAIL_MAX = 1000
LIST_PLACE_KINDS: frozenset[str] = frozenset({PlaceKind.COMMUNITY, PlaceKind.COMPOUND})


@dataclass(frozen=True)
class Duty:
    """What an item says, as typed into a form or sent to the API (cleaned by ``_clean``)."""

    category: Any
    title: Any
    frequency: Any
    detail: Any = ""
    post: Any = ""
    member: TeamMember | None = None


@dataclass(frozen=True)
class CopyResult:
    created: int
    skipped: int


def _choice(raw: Any, choices: type[DutyCategory] | type[DutyFrequency], *, field: str, label: str) -> str:
    value = (str(raw) if raw is not None else "").strip()
    if value not in choices.values:
        raise InvalidInput(_("请选择%(label)s") % {"label": label}, field=field)
    return value


def _require_list_manage(actor: Any, place: Place) -> None:
    require_manage(actor, place.path, _("您的岗位无权维护“%(place)s”的事项清单") % {"place": place.name})


def _assignee(place: Place, post: Any, member: TeamMember | None) -> tuple[str, TeamMember | None]:
    """任务到岗 (a post of the place's standard) and, in a compound, 责任到人 (a current member on that post)."""
    code = (str(post) if post is not None else "").strip()
    if member is not None:
        if place.kind != PlaceKind.COMPOUND:
            raise InvalidInput(_("社区事项模板只能分配到岗位,由各小区落实到人"), field="member_id")
        if member.compound_id != place.pk or member.ended_on is not None:
            raise InvalidInput(_("负责人须是本小区治理团队的在任成员"), field="member_id")
        if code and code != member.post:
            raise InvalidInput(_("负责人不在所选岗位上,请重新选择岗位或负责人"), field="member_id")
        return member.post, member
    if not code:
        return "", None
    return active_post(place, code).code, None


def _clean(place: Place, duty: Duty) -> dict[str, Any]:
    post, member = _assignee(place, duty.post, duty.member)
    return {
        "category": _choice(duty.category, DutyCategory, field="category", label=_("事项类别")),
        "title": clean_text(duty.title, field="title", label=_("事项名称"), max_length=TITLE_MAX),
        "detail": clean_text(
            duty.detail, field="detail", label=_("工作内容"), max_length=DETAIL_MAX, required=False, show_length=True
        ),
        "frequency": _choice(duty.frequency, DutyFrequency, field="frequency", label=_("频次")),
        "post": post,
        "member": member,
    }


def _title_taken(place: Place, title: str) -> Conflict:
    return Conflict(
        _("“%(place)s”的事项清单已有“%(title)s”") % {"place": place.name, "title": title[:TITLE_MAX]}, field="title"
    )


@transaction.atomic
def item_create(*, actor: Any, place: Place, duty: Duty, idempotency_key: str = "") -> tuple[DutyItem, bool]:
    """An item of a community's template or of a compound's list: ``(item, created)``. A retry under the same
    key answers with the first item; a second item with a title the list already has is refused (409)."""
    if place.kind not in LIST_PLACE_KINDS:
        raise InvalidInput(_("事项清单建在社区(事项模板)或小区,请选择社区或小区"), field="place_id")
    _require_list_manage(actor, place)
    fields = _clean(place, duty)
    key = clean_key(idempotency_key)

    def create() -> DutyItem:
        if DutyItem.objects.filter(place=place, title=fields["title"]).exists():
            raise _title_taken(place, fields["title"])
        return DutyItem.objects.create(
            place=place, place_path=place.path, created_by=actor, idempotency_key=key, **fields
        )

    try:
        item, created = create_once(
            earlier=DutyItem.objects.filter(created_by=actor),
            key=key,
            create=create,
            same=lambda e: e.place_id == place.pk and e.title == fields["title"],
            refusal=lambda e: _("这个 Idempotency-Key 已用于另一项事项“%(title)s”") % {"title": e.title},
        )
    except (IntegrityError, DutyItem.DoesNotExist):  # the title was taken by a concurrent submission
        raise _title_taken(place, fields["title"]) from None
    if created:
        audit_record(
            action="teams.item_created",
            actor=actor,
            target=item,
            place=place.pk,
            category=item.category,
            post=item.post,
            member=item.member_id,
        )
    return item, created


@transaction.atomic
def item_update(*, actor: Any, item: DutyItem, duty: Duty) -> DutyItem:
    """Rewrite an item (every field as given: what the edit form shows). Saving it unchanged records nothing."""
    _require_list_manage(actor, item.place)
    fields = _clean(item.place, duty)
    item = DutyItem.objects.select_for_update().select_related("place").get(pk=item.pk)
    changed = [name for name, value in fields.items() if getattr(item, name) != value]
    if not changed:
        return item
    clash = DutyItem.objects.filter(place=item.place, title=fields["title"]).exclude(pk=item.pk)
    if "title" in changed and clash.exists():
        raise _title_taken(item.place, fields["title"])
    for name in changed:
        setattr(item, name, fields[name])
    try:
        with transaction.atomic():
            item.save(update_fields=[*changed, "updated_at"])
    except IntegrityError:
        raise _title_taken(item.place, fields["title"]) from None
    audit_record(action="teams.item_updated", actor=actor, target=item, changed=changed)
    return item


@transaction.atomic
def item_remove(*, actor: Any, item: DutyItem) -> None:
    """Delete an item. A template item's copies in the compounds stay (they are the compounds' own now)."""
    _require_list_manage(actor, item.place)
    audit_record(
        action="teams.item_removed",
        actor=actor,
        target=item,
        place=item.place_id,
        title=item.title,
        copies_kept=item.copies.count(),
    )
    item.delete()


@transaction.atomic
def items_copy(
    *,
    actor: Any,
    community: Place,
    compounds: Iterable[Place] | None = None,
    items: Iterable[DutyItem] | None = None,
) -> CopyResult:
    """Copy the community's template (or the ``items`` of it) into its compounds (or ``compounds``). An item
    already copied into a compound, or whose title the compound's list already has, is skipped: pressing
    "copy" again, or after adding items to the template, adds only what is missing."""
    if community.kind != PlaceKind.COMMUNITY:
        raise InvalidInput(_("请选择一个社区的事项模板"), field="community_id")
    _require_list_manage(actor, community)
    Place.objects.select_for_update().filter(pk=community.pk).first()  # two copies at once: one after the other
    targets = list(compounds) if compounds is not None else None
    all_compounds = list(Place.objects.filter(path__under=community.path, kind=PlaceKind.COMPOUND).order_by("path"))
    if targets is None:
        targets = all_compounds
    ours = {c.pk for c in all_compounds}
    for compound in targets:
        if compound.pk not in ours:
            raise InvalidInput(
                _("“%(place)s”不是“%(community)s”的小区") % {"place": compound.name, "community": community.name},
                field="compound_ids",
            )
    template = list(DutyItem.objects.filter(place=community).order_by("category", "title", "id"))
    if items is not None:
        chosen = {i.pk for i in items}
        unknown = chosen - {i.pk for i in template}
        if unknown:
            raise InvalidInput(_("所选事项不在本社区的事项模板中"), field="item_ids")
        template = [i for i in template if i.pk in chosen]
    target_ids = [c.pk for c in targets]
    copied = set(
        DutyItem.objects.filter(place_id__in=target_ids, source__in=template).values_list("place_id", "source_id")
    )
    titles = set(DutyItem.objects.filter(place_id__in=target_ids).values_list("place_id", "title"))
    rows: list[DutyItem] = []
    skipped = 0
    for compound in targets:
        for source in template:
            if (compound.pk, source.pk) in copied or (compound.pk, source.title) in titles:
                skipped += 1
                continue
            rows.append(
                DutyItem(
                    place=compound,
                    place_path=compound.path,
                    category=source.category,
                    title=source.title,
                    detail=source.detail,
                    frequency=source.frequency,
                    post=source.post,
                    source=source,
                    created_by=actor,
                )
            )
    DutyItem.objects.bulk_create(rows, batch_size=500)
    audit_record(
        action="teams.items_copied",
        actor=actor,
        target=community,
        compounds=target_ids,
        items=[i.pk for i in template],
        created=len(rows),
        skipped=skipped,
    )
    return CopyResult(created=len(rows), skipped=skipped)
