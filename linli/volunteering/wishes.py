"""Micro-wishes (微心愿): submitted → reviewed → published → claimed → fulfilled (photo) → confirmed.

"Collected" counts every wish submitted in a period that was not turned down; "fulfilled" counts
wishes delivered (fulfilled or confirmed) in the period, by ``fulfilled_at``. The one definition is
``selectors.wishes_collected_q`` / ``wishes_fulfilled_q``: the wish pages, the API, the dashboards and
the work reports (``linli.insights``) all count with it (seed 001: 共收集群众微心愿2132个、实现1803个).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core import uploads
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.idempotency import clean_key, create_once
from linli.core.identifiers import parse_id
from linli.core.scoping import get_or_not_found
from linli.core.text import clean_text
from linli.orgs.models import Organisation
from linli.people.models import Person
from linli.places.models import Place
from linli.tickets.models import Rating
from linli.volunteering.common import STAFF_CAPS, audience_q, claim_roots, may, person_of, require_staff, staff_q
from linli.volunteering.models import (
    FULFILLED_STATUSES,
    HEART_TARGETS,
    EntryReason,
    PointKind,
    Wish,
    WishChannel,
    WishHeart,
    WishStatus,
)
from linli.volunteering.points import points_credit
from linli.volunteering.selectors import wishes_collected_q, wishes_fulfilled_q
from linli.volunteering.selectors_reporting import party_rule_at

WISH_POINTS = 10
PHOTO_MAX_BYTES = 8 * 1024 * 1024


def visible_wishes(user: Any) -> Any:
    """Staff see wishes under their nodes; volunteers see published ones near them; everyone sees their own."""
    own = Wish.own_q(user) if getattr(user, "is_authenticated", False) else Q(pk__in=[])
    board = audience_q(user) & Q(status__in=[WishStatus.PUBLISHED, WishStatus.CLAIMED, *FULFILLED_STATUSES])
    return Wish.objects.filter(staff_q(user) | own | board)


def _lock(user: Any, wish_id: Any) -> Wish:
    return get_or_not_found(Wish.objects.select_for_update().filter(pk__in=visible_wishes(user).values("pk")), wish_id)


def wish_heart(value: Any, *, required: bool = False) -> str:
    """A 五心类别 from the list (blank: 未分类, unless one is required), or a refusal naming the field."""
    if value in (None, "") and not required:
        return ""
    if value not in WishHeart.values:
        raise InvalidInput(_("请从孝心、爱心、暖心、安心、贴心中选择五心类别"), field="heart")
    return str(value)


def heart_choices() -> list[tuple[str, str]]:
    """The 五心 with whom each serves, for the forms and filters: (孝心 · 孤寡老人 …)."""
    return [(h.value, f"{h.label} · {HEART_TARGETS[h]}") for h in WishHeart]


def _collection(actor: Any, wisher: Person, channel: Any, collected_at_id: Any) -> tuple[str, Place]:
    """收集方式 and 收集地点. Posted by the wisher themselves it is 线上提交 at their home; a wish collected offline
    (at a 屋场恳谈会, in the 心愿收集箱, on a visit) is entered by staff who handle the place it was collected at;
    entered for someone else without a channel it is 其他."""
    own = wisher.pk == getattr(actor, "person_id", None)
    channel = str(channel or (WishChannel.ONLINE if own else WishChannel.OTHER))
    if channel not in WishChannel.values:
        raise InvalidInput(_("收集方式无效,请从列表中选择"), field="channel")
    if not collected_at_id:
        place = wisher.place
    else:
        place = Place.objects.filter(pk=parse_id(collected_at_id) or 0).first()
        if place is None or not any(may(actor, place.path, c) for c in STAFF_CAPS):
            raise InvalidInput(_("收集地点应为您管辖范围内的地点"), field="collected_at_id")
    if channel != WishChannel.ONLINE and not any(may(actor, place.path, c) for c in ("handle", "manage")):
        raise InvalidInput(_("线下收集的心愿由收集地的工作人员登记"), field="channel")
    return channel, place


@transaction.atomic
def wish_submit(
    *,
    actor: Any,
    title: str,
    description: str = "",
    wisher_id: int | None = None,
    idempotency_key: str = "",
    heart: str = "",
    channel: str = "",
    collected_at_id: int | None = None,
) -> Wish:
    """A resident posts their own wish; staff may enter one for a resident in their ledger, with where and how it
    was collected (屋场恳谈会, 大树议事厅, 心愿收集箱 …) and its 五心类别 (or leave that to the review).

    A retry with the same idempotency key (the form's hidden key, the API's ``Idempotency-Key``)
    returns the first wish and posts nothing twice, even when both arrive at once; a different wish
    sent under a used key is refused (409) rather than answered with the first (it would be lost)."""
    key = clean_key(idempotency_key)
    if wisher_id:
        wisher = get_or_not_found(Person.objects.visible_to(actor), wisher_id)
        if wisher.pk != getattr(actor, "person_id", None):
            require_staff(actor, wisher.place_path, "handle")
    else:
        wisher = person_of(actor)
    title = clean_text(title, field="title", label=_("心愿"), max_length=100)
    description = clean_text(description, field="description", label=_("说明"), max_length=1000, required=False)
    heart = wish_heart(heart)
    channel, collected_at = _collection(actor, wisher, channel, collected_at_id)

    def create() -> Wish:
        wish = Wish.objects.create(
            place=wisher.place,
            place_path=wisher.place_path,
            wisher=wisher,
            title=title,
            description=description,
            heart=heart,
            channel=channel,
            collected_at=collected_at,
            submitted_by=actor,
            idempotency_key=key,
        )
        audit_record(action="wish.submit", actor=actor, target=wish, heart=heart, channel=channel)
        return wish

    wish, _created = create_once(
        earlier=Wish.objects.filter(submitted_by=actor),
        key=key,
        create=create,
        same=lambda existing: (
            (existing.wisher_id, existing.title, existing.description, existing.heart, existing.channel)
            == (wisher.pk, title, description, heart, channel)
            and existing.collected_at_id == collected_at.pk
        ),
        refusal=lambda existing: _("这个 Idempotency-Key 已用于另一个心愿,新的心愿请换一个"),
    )
    return wish


@transaction.atomic
def wish_review(*, actor: Any, wish_id: int, approve: bool, note: str = "") -> Wish:
    wish = _lock(actor, wish_id)
    require_staff(actor, wish.place_path, "handle")
    if wish.status != WishStatus.SUBMITTED:
        raise Conflict(_("该心愿已审核"))
    if not approve and not note.strip():
        raise InvalidInput(_("不通过时请说明原因"), field="note")
    wish.status = WishStatus.PUBLISHED if approve else WishStatus.REJECTED
    wish.review_note = note.strip()[:200]
    wish.save(update_fields=["status", "review_note"])
    audit_record(action="wish.review", actor=actor, target=wish, approve=approve)
    return wish


@transaction.atomic
def wish_classify(*, actor: Any, wish_id: int, heart: str) -> Wish:
    """Put a wish in its 五心类别 (or correct it): staff who handle the wisher's place, in any state — the figures
    by category read it. Audited with the category before and after; the same category again records nothing."""
    wish = _lock(actor, wish_id)
    require_staff(actor, wish.place_path, "handle")
    value = wish_heart(heart, required=True)
    if value == wish.heart:
        return wish
    before, wish.heart = wish.heart, value
    wish.save(update_fields=["heart"])
    audit_record(action="wish.classify", actor=actor, target=wish, before=before, heart=value)
    return wish


@transaction.atomic
def wish_claim(*, actor: Any, wish_id: int, organisation_id: int | None = None) -> Wish:
    """A volunteer claims it, or staff record that a partner unit took it on."""
    wish = _lock(actor, wish_id)
    if wish.status != WishStatus.PUBLISHED:
        raise Conflict(_("该心愿已被认领或未发布"))
    if organisation_id:
        require_staff(actor, wish.place_path, "handle")
        org = Organisation.objects.visible_to(actor).filter(pk=organisation_id).first()
        if org is None:
            raise InvalidInput(_("共建单位无效"), field="organisation_id")
        wish.claimed_org = org
    else:
        person = person_of(actor)
        if person.pk == wish.wisher_id:
            raise Conflict(_("不能认领自己的心愿"))
        if not claim_roots(actor) and not may(actor, wish.place_path, "handle"):
            raise Forbidden(_("认领心愿需要志愿者或党员身份"))
        wish.claimed_by = person
    wish.status = WishStatus.CLAIMED
    wish.claimed_at = timezone.now()
    wish.save(update_fields=["status", "claimed_by", "claimed_org", "claimed_at"])
    audit_record(action="wish.claim", actor=actor, target=wish)
    return wish


@transaction.atomic
def wish_fulfil(*, actor: Any, wish_id: int, note: str, photo: Any = None) -> Wish:
    wish = _lock(actor, wish_id)
    mine = wish.claimed_by_id is not None and wish.claimed_by_id == getattr(actor, "person_id", None)
    if not mine and not may(actor, wish.place_path, "handle"):
        raise Forbidden(_("只有认领人可以登记圆梦"))
    if wish.status != WishStatus.CLAIMED:
        raise Conflict(_("该心愿不在已认领状态"))
    wish.fulfil_note = clean_text(note, field="note", label=_("圆梦情况"), max_length=200)
    if photo is not None:
        _store_photo(wish, photo)
    wish.status = WishStatus.FULFILLED
    wish.fulfilled_at = timezone.now()
    wish.save(update_fields=["fulfil_note", "photo", "status", "fulfilled_at"])
    audit_record(action="wish.fulfil", actor=actor, target=wish)
    return wish


def _store_photo(wish: Wish, upload: Any) -> None:
    """Judged by content, size-limited and re-encoded (EXIF/GPS gone) under a random name (core.uploads)."""
    limit = min(PHOTO_MAX_BYTES, settings.UPLOAD_MAX_BYTES)
    clean = uploads.clean_image(uploads.read_upload(upload, field="photo", limit=limit), field="photo")
    wish.photo.save(uploads.random_name(clean.extension), ContentFile(clean.data), save=False)


@transaction.atomic
def wish_photo_add(*, actor: Any, wish_id: int, upload: Any) -> Wish:
    """The 圆梦 photo for a wish fulfilled without one (the API fulfils by JSON, then sends the photo).

    Only the claimant or staff who handle the place; once a photo is there it stays (409): the
    evidence the wisher confirmed against is not swapped afterwards."""
    wish = _lock(actor, wish_id)
    mine = wish.claimed_by_id is not None and wish.claimed_by_id == getattr(actor, "person_id", None)
    if not mine and not may(actor, wish.place_path, "handle"):
        raise Forbidden(_("只有认领人可以上传圆梦照片"))
    if wish.status not in FULFILLED_STATUSES:
        raise Conflict(_("心愿圆梦后才能上传照片"))
    if wish.photo:
        raise Conflict(_("该心愿已有圆梦照片"))
    _store_photo(wish, upload)
    wish.save(update_fields=["photo"])
    audit_record(action="wish.photo", actor=actor, target=wish)
    return wish


def wish_photo_file(*, user: Any, wish_id: int) -> tuple[Any, str]:
    """The stored photo of a wish the user may see, with its content type (404 when there is none)."""
    wish = get_or_not_found(visible_wishes(user), wish_id)
    if not wish.photo:
        raise NotFound(_("该心愿没有圆梦照片"))
    return wish.photo, uploads.content_type_of(wish.photo.name)


@transaction.atomic
def wish_confirm(*, actor: Any, wish_id: int, rating: str = "", note: str = "") -> Wish:
    """The wisher (or the staff member who entered it) confirms and rates (满意 / 基本满意 / 不满意; an old
    API client may still confirm without a rating); the volunteer earns points once. 不满意 needs a reason,
    as for requests."""
    wish = _lock(actor, wish_id)
    is_wisher = wish.wisher_id == getattr(actor, "person_id", None) or wish.submitted_by_id == actor.pk
    if not is_wisher:
        raise Forbidden(_("只有心愿人可以确认"))
    if wish.status != WishStatus.FULFILLED:
        raise Conflict(_("该心愿尚未圆梦"))
    if rating and rating not in Rating.values:
        raise InvalidInput(_("评价应为 满意、基本满意 或 不满意"), field="rating")
    note = clean_text(note, field="note", label=_("评价意见"), max_length=200, required=False)
    if rating == Rating.UNSATISFIED and not note:
        raise InvalidInput(_("不满意时请说明原因"), field="note")
    wish.status = WishStatus.CONFIRMED
    wish.confirmed_at = timezone.now()
    wish.rating, wish.rating_note = rating, note
    wish.save(update_fields=["status", "confirmed_at", "rating", "rating_note"])
    if wish.claimed_by_id:
        points_credit(
            person=wish.claimed_by,  # type: ignore[arg-type]
            kind=PointKind.VOLUNTEER,
            amount=WISH_POINTS,
            reason=EntryReason.WISH,
            source_key=f"wish:{wish.pk}",
            note=wish.title,
            actor=actor,
        )
        helper = wish.claimed_by
        party = party_rule_at(wish.place_path).points_per_wish if helper.is_party_member else 0  # type: ignore[union-attr]
        if party:  # 党员积分 for a fulfilled wish, where the 双报到积分管理办法 in force awards them
            points_credit(
                person=helper,  # type: ignore[arg-type]
                kind=PointKind.PARTY,
                amount=party,
                reason=EntryReason.WISH,
                source_key=f"wish:{wish.pk}",
                note=wish.title,
                actor=actor,
            )
    audit_record(action="wish.confirm", actor=actor, target=wish, rating=rating)
    return wish


@dataclass
class WishCounts:
    collected: int
    fulfilled: int

    @property
    def rate(self) -> float:
        return round(100 * self.fulfilled / self.collected, 1) if self.collected else 0.0


def wish_counts(*, user: Any, path: str, start: dt.datetime, end: dt.datetime) -> WishCounts:
    """Collected and fulfilled wishes under a node in [start, end), within the user's scope."""
    qs = Wish.objects.filter(staff_q(user)).filter(place_path__under=path)
    row = qs.aggregate(
        collected=Count("pk", filter=wishes_collected_q(start, end)),
        fulfilled=Count("pk", filter=wishes_fulfilled_q(start, end)),
    )
    return WishCounts(collected=row["collected"], fulfilled=row["fulfilled"])


@dataclass
class HeartRow:
    """One 五心类别 (or 未分类, ``key`` blank) under a node in a period (docs/metrics.md, 微心愿按五心类别)."""

    key: str
    label: str
    target: str
    collected: int = 0
    claimed: int = 0
    fulfilled: int = 0
    party_claimed: int = 0  # of the claimed, claimed by a party member (a person, not a unit)


def wish_heart_figures(*, user: Any, path: str, start: dt.datetime, end: dt.datetime) -> list[HeartRow]:
    """Wishes by 五心类别 under a node in [start, end), within the user's staff scope: collected, claimed, fulfilled,
    and claimed by party members — every category listed, then 未分类. One grouped statement."""
    claimed = Q(claimed_at__gte=start, claimed_at__lt=end)
    grouped = (
        Wish.objects.filter(staff_q(user))
        .filter(place_path__under=path)
        .order_by()
        .values("heart")
        .annotate(
            collected=Count("pk", filter=wishes_collected_q(start, end)),
            claimed=Count("pk", filter=claimed),
            fulfilled=Count("pk", filter=wishes_fulfilled_q(start, end)),
            party=Count("pk", filter=claimed & Q(claimed_by__is_party_member=True)),
        )
    )
    by_key = {r["heart"]: r for r in grouped}
    keys = [(h.value, str(h.label), str(HEART_TARGETS[h])) for h in WishHeart] + [("", _("未分类"), "")]
    rows = []
    for key, label, target in keys:
        r = by_key.get(key, {})
        counts = {n: r.get(n, 0) for n in ("collected", "claimed", "fulfilled")}
        rows.append(HeartRow(key=key, label=label, target=target, party_claimed=r.get("party", 0), **counts))
    return rows
