"""The points bank (积分银行 / 爱心超市): an append-only ledger per person and kind, and rewards.

Every change locks the person's ``PointAccount`` row (``select_for_update``), writes one
``PointEntry`` and moves the maintained balance with ``F()``: two redemptions at once queue on
the lock, so the balance can never go negative (a CHECK constraint backs it up). Each award carries
a ``source_key`` unique per account, so an award that is retried is applied once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Conflict, InvalidInput
from linli.core.scoping import get_or_not_found
from linli.core.text import clean_text, whole_number
from linli.people.models import Person
from linli.volunteering.common import audience_q, person_of, require_staff
from linli.volunteering.models import (
    EntryReason,
    PointAccount,
    PointEntry,
    PointKind,
    Redemption,
    RedemptionStatus,
    Reward,
)

EARN_REASONS = frozenset({EntryReason.HOURS, EntryReason.ORDER, EntryReason.WISH, EntryReason.MANUAL})
MANUAL_MAX = 1000


def lock_account(*, person: Person, kind: str) -> PointAccount:
    """The person's account for ``kind``, created on first use, locked for this transaction."""
    if kind not in PointKind.values:
        raise InvalidInput(_("积分类型无效"), field="kind")
    if kind == PointKind.PARTY and not person.is_party_member:
        raise InvalidInput(_("党员积分只记给党员"), field="kind")
    try:
        with transaction.atomic():
            PointAccount.objects.get_or_create(person=person, kind=kind, defaults={"place_path": person.place_path})
    except IntegrityError:  # created by a concurrent first award; it exists now
        pass
    return PointAccount.objects.select_for_update().get(person=person, kind=kind)


def post_entry(
    *,
    account: PointAccount,
    amount: int,
    reason: str,
    source_key: str,
    note: str = "",
    actor: Any = None,
    approved_by: Any = None,
    expires_on: dt.date | None = None,
) -> PointEntry | None:
    """Append one entry to a locked account; ``None`` if this source was already applied."""
    if amount == 0:
        raise InvalidInput(_("积分数不能为 0"), field="amount")
    if PointEntry.objects.filter(account=account, source_key=source_key).exists():
        return None
    if account.balance + amount < 0:
        raise InvalidInput(_("积分余额不足(当前 %(balance)s 分)") % {"balance": account.balance}, field="amount")
    entry = PointEntry.objects.create(
        account=account,
        place_path=account.place_path,
        amount=amount,
        reason=reason,
        source_key=source_key,
        note=note[:200],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        approved_by=approved_by,
        expires_on=expires_on,
    )
    earned = amount if reason in EARN_REASONS else 0
    PointAccount.objects.filter(pk=account.pk).update(balance=F("balance") + amount, earned=F("earned") + earned)
    account.refresh_from_db(fields=["balance", "earned"])
    return entry


def points_credit(
    *, person: Person, kind: str, amount: int, reason: str, source_key: str, note: str = "", actor: Any = None
) -> PointEntry | None:
    """An automatic award (hours, an order resolved, a wish fulfilled); idempotent on ``source_key``."""
    with transaction.atomic():
        account = lock_account(person=person, kind=kind)
        return post_entry(account=account, amount=amount, reason=reason, source_key=source_key, note=note, actor=actor)


@transaction.atomic
def points_manual_award(
    *,
    actor: Any,
    person_id: int,
    kind: str,
    amount: int,
    note: str,
    request_key: str,
    expires_on: dt.date | None = None,
) -> PointEntry | None:
    """A manual award (or deduction) with a reason, approved by staff who manage the person's node."""
    person = get_or_not_found(Person.objects, person_id)
    require_staff(actor, person.place_path, "manage")
    if not -MANUAL_MAX <= amount <= MANUAL_MAX or amount == 0:
        raise InvalidInput(_("积分数应在 -%(max)d 到 %(max)d 之间且不为 0") % {"max": MANUAL_MAX}, field="amount")
    reason_text = clean_text(note, field="note", label=_("奖励事由"), max_length=200)
    key = clean_text(request_key, field="request_key", label=_("请求编号"), max_length=40)
    if expires_on is not None and expires_on <= timezone.localdate():
        raise InvalidInput(_("过期日期应在今天之后"), field="expires_on")
    account = lock_account(person=person, kind=kind)
    entry = post_entry(
        account=account,
        amount=amount,
        reason=EntryReason.MANUAL,
        source_key=f"manual:{key}",
        note=reason_text,
        actor=actor,
        approved_by=actor,
        expires_on=expires_on,
    )
    if entry is not None:
        audit_record(action="points.manual", actor=actor, target=person, amount=amount, kind=kind, note=reason_text)
    return entry


def points_expire(*, account_id: int, today: dt.date | None = None) -> PointEntry | None:
    """Expire what is left of earned points past their date, spending counted oldest first."""
    day = today or timezone.localdate()
    with transaction.atomic():
        account = PointAccount.objects.select_for_update().get(pk=account_id)
        rows = PointEntry.objects.filter(account=account)
        expired_earned = rows.filter(expires_on__lt=day, amount__gt=0).aggregate(s=Sum("amount"))["s"] or 0
        spent = -(rows.filter(reason__in=[EntryReason.REDEEM, EntryReason.REFUND]).aggregate(s=Sum("amount"))["s"] or 0)
        spent -= rows.filter(reason=EntryReason.MANUAL, amount__lt=0).aggregate(s=Sum("amount"))["s"] or 0
        already = -(rows.filter(reason=EntryReason.EXPIRE).aggregate(s=Sum("amount"))["s"] or 0)
        due = min(max(0, expired_earned - spent) - already, account.balance)
        if due <= 0:
            return None
        return post_entry(
            account=account, amount=-due, reason=EntryReason.EXPIRE, source_key=f"expire:{day.isoformat()}"
        )


def expire_all(*, today: dt.date | None = None) -> int:
    day = today or timezone.localdate()
    ids = PointEntry.objects.filter(expires_on__lt=day, amount__gt=0).values_list("account_id", flat=True).distinct()
    return sum(1 for pk in ids if points_expire(account_id=pk, today=day) is not None)


# Rewards (爱心超市) -----------------------------------------------------------------------------


@transaction.atomic
def reward_create(
    *, actor: Any, place_id: int, name: str, cost: int, stock: int, description: str = "", kind: str = "volunteer"
) -> Reward:
    from linli.volunteering.common import staff_place

    place = staff_place(actor, place_id)
    if kind not in PointKind.values:
        raise InvalidInput(_("积分类型无效"), field="kind")
    reward = Reward.objects.create(
        place=place,
        place_path=place.path,
        name=clean_text(name, field="name", label=_("名称"), max_length=100),
        description=clean_text(description, field="description", label=_("说明"), max_length=200, required=False),
        cost=whole_number(cost, field="cost", label=_("所需积分"), low=1, high=100000),
        stock=whole_number(stock, field="stock", label=_("库存"), low=0, high=100000),
        kind=kind,
    )
    audit_record(action="reward.create", actor=actor, target=reward)
    return reward


def rewards_for(user: Any) -> Any:
    return Reward.objects.filter(audience_q(user) | Q(pk__in=Reward.objects.visible_to(user).values("pk")))


@transaction.atomic
def reward_redeem(*, actor: Any, reward_id: int) -> Redemption:
    """Order one item: exactly one of two people taking the last item wins; balance is checked under lock."""
    person = person_of(actor)
    reward = get_or_not_found(Reward.objects.filter(audience_q(actor)).select_for_update(), reward_id)
    if not reward.active:
        raise Conflict(_("该商品已下架"))
    if reward.stock <= 0:
        raise Conflict(_("该商品已兑完"))
    account = lock_account(person=person, kind=reward.kind)
    if account.balance < reward.cost:
        raise InvalidInput(
            _("积分不足:需要 %(cost)s 分,当前 %(balance)s 分") % {"cost": reward.cost, "balance": account.balance},
            field="reward_id",
        )
    Reward.objects.filter(pk=reward.pk).update(stock=F("stock") - 1)
    redemption = Redemption.objects.create(reward=reward, person=person, place_path=reward.place_path, cost=reward.cost)
    post_entry(
        account=account,
        amount=-reward.cost,
        reason=EntryReason.REDEEM,
        source_key=f"redeem:{redemption.pk}",
        note=reward.name,
        actor=actor,
    )
    return redemption


def _lock_redemption(actor: Any, redemption_id: int) -> Redemption:
    return get_or_not_found(
        Redemption.objects.visible_to(actor).select_for_update().select_related("reward"), redemption_id
    )


@transaction.atomic
def redemption_hand_over(*, actor: Any, redemption_id: int) -> Redemption:
    """Staff confirm the person picked the item up."""
    redemption = _lock_redemption(actor, redemption_id)
    require_staff(actor, redemption.place_path, "handle")
    if redemption.status != RedemptionStatus.ORDERED:
        raise Conflict(_("该兑换单已处理"))
    redemption.status = RedemptionStatus.PICKED_UP
    redemption.handed_by = actor
    redemption.handed_at = timezone.now()
    redemption.save(update_fields=["status", "handed_by", "handed_at"])
    audit_record(action="reward.hand_over", actor=actor, target=redemption)
    return redemption


@transaction.atomic
def redemption_cancel(*, actor: Any, redemption_id: int) -> Redemption:
    """The person or staff cancel an order not yet picked up: stock and points come back."""
    redemption = _lock_redemption(actor, redemption_id)
    if redemption.status != RedemptionStatus.ORDERED:
        raise Conflict(_("该兑换单已处理"))
    Reward.objects.select_for_update().filter(pk=redemption.reward_id).update(stock=F("stock") + 1)
    account = lock_account(person=redemption.person, kind=redemption.reward.kind)
    redemption.status = RedemptionStatus.CANCELLED
    redemption.save(update_fields=["status"])
    post_entry(
        account=account,
        amount=redemption.cost,
        reason=EntryReason.REFUND,
        source_key=f"refund:{redemption.pk}",
        note=redemption.reward.name,
        actor=actor,
    )
    return redemption


def ledger_consistent(account: PointAccount) -> bool:
    """The maintained balance equals the sum of the entries."""
    total = PointEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] or 0
    account.refresh_from_db(fields=["balance"])
    return bool(total == account.balance and account.balance >= 0)
