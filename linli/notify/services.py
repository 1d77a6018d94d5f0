"""Notification writes: inbox rows, SMS to residents, group-robot messages, robot configuration.

Outgoing messages (SMS, robots) are rows of the delivery outbox (``linli.notify.outbox``), written
in the surrounding transaction and sent by the worker after it commits: a rolled-back change sends
nothing, a gateway that is down never fails the request that triggered the message, and a worker
killed mid-send neither loses nor duplicates it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core import crypto
from linli.core.errors import Forbidden, InvalidInput
from linli.core.scoping import may_manage_at
from linli.notify.models import DeliveryChannel, NodeWebhook, Notification, RobotKind
from linli.notify.outbox import delivery_add
from linli.notify.selectors import webhooks_hearing

if TYPE_CHECKING:
    from linli.people.models import Person
    from linli.places.models import Place

log = logging.getLogger("linli.notify")

BATCH_SIZE = 500
SMS_MAX_CHARS = 500


# --- inbox -----------------------------------------------------------------------------------------


def _check_link(link: str) -> str:
    link = (link or "").strip()
    if link and (not link.startswith("/") or link.startswith("//") or "\\" in link or len(link) > 500):
        raise InvalidInput(_("链接应为站内路径,如 /requests/12/"), field="link")
    return link


def notify(*, users: Iterable[Any], kind: str, title: str, body: str = "", link: str = "", sms_text: str = "") -> int:
    """Put one message in each user's inbox (each user once). Returns how many were written.

    One INSERT per ``BATCH_SIZE`` recipients, so notifying a whole community costs a few queries.
    With ``sms_text``, each recipient with a resident record and a phone also gets that SMS: one
    outbox row per (notification, SMS), written in the same transaction as the inbox rows.
    """
    title = (title or "").strip()
    if not title:
        raise InvalidInput(_("标题不能为空"), field="title")
    if len(title) > 200:
        raise InvalidInput(_("标题不能超过200个字"), field="title")
    kind = (kind or "").strip()
    if not kind or len(kind) > 32:
        raise InvalidInput(_("消息类型应为1到32个字符"), field="kind")
    link = _check_link(link)
    seen: set[int] = set()
    recipient_ids: list[int] = []
    for user in users:
        pk = getattr(user, "pk", None)
        if pk is not None and pk not in seen:
            seen.add(pk)
            recipient_ids.append(pk)
    if not recipient_ids:
        return 0
    now = timezone.now()
    rows = [
        Notification(recipient_id=pk, kind=kind, title=title, body=body or "", link=link, created_at=now)
        for pk in recipient_ids
    ]
    sms_text = _check_sms_text(sms_text) if sms_text else ""
    with transaction.atomic():
        Notification.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        if sms_text:
            _sms_for_notifications(rows, sms_text)
    return len(rows)


def _sms_for_notifications(rows: list[Notification], text: str) -> None:
    from linli.accounts.models import User

    persons = dict(
        User.objects.filter(pk__in=[r.recipient_id for r in rows], person__isnull=False)
        .exclude(person__phone_enc="")
        .filter(person__anonymised_at__isnull=True)
        .values_list("pk", "person_id")
    )
    for row in rows:
        if row.recipient_id in persons:
            delivery_add(channel=DeliveryChannel.SMS, text=text, person_id=persons[row.recipient_id], notification=row)


def notification_mark_read(*, user: Any, ids: Iterable[int] | None) -> int:
    """Mark the user's own messages read (``ids=None``: all of them). Others' ids are ignored.

    Returns how many changed; marking an already-read message again changes nothing.
    """
    qs = Notification.objects.visible_to(user).unread()
    if ids is not None:
        try:
            wanted = {int(i) for i in ids}
        except (TypeError, ValueError):
            raise InvalidInput(_("消息编号应为整数"), field="ids") from None
        if not wanted:
            return 0
        qs = qs.filter(id__in=wanted)
    return qs.update(read_at=timezone.now())


# --- SMS to residents ----------------------------------------------------------------------------


def _check_sms_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("短信内容不能为空"), field="text")
    if len(text) > SMS_MAX_CHARS:
        raise InvalidInput(_("短信内容不能超过%(n)d个字") % {"n": SMS_MAX_CHARS}, field="text")
    return text


def sms_to_person(*, person: Person, text: str) -> bool:
    """Queue an SMS to a resident's registered phone. False if there is no number to send to.

    The outbox row carries the person's id, not the phone number: the worker decrypts the phone at
    the moment of sending.
    """
    text = _check_sms_text(text)
    if not person.phone_enc or person.anonymised_at is not None:
        return False
    delivery_add(channel=DeliveryChannel.SMS, text=text, person_id=person.pk)
    return True


# --- group robots ---------------------------------------------------------------------------------


def group_robot_post(*, place: Place, text: str) -> int:
    """Tell the group chats that follow ``place``: its own robots and its ancestors' cascading ones.

    A community's "五长工作群" robot hears about every compound and building under it. Returns how
    many robots the message was queued for.
    """
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("消息内容不能为空"), field="text")
    hook_ids = webhooks_hearing(place)
    for hook_id in hook_ids:
        delivery_add(channel=DeliveryChannel.ROBOT, text=text, hook_id=hook_id)
    return len(hook_ids)


def _require_manage(actor: Any, path: str) -> None:
    if not may_manage_at(actor, path):
        raise Forbidden(_("只有管理此节点的人员可以设置群机器人"))


_url_validator = URLValidator(schemes=["http", "https"])


@transaction.atomic
def webhook_add(
    *,
    actor: Any,
    place: Place,
    kind: str,
    name: str,
    url: str,
    secret: str = "",
    cascade: bool = True,
) -> NodeWebhook:
    """Attach a group robot to a node the actor manages."""
    _require_manage(actor, place.path)
    if kind not in RobotKind.values:
        raise InvalidInput(_("机器人类型应为企业微信或钉钉"), field="kind")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput(_("请填写群名称(不超过100字)"), field="name")
    url = (url or "").strip()
    try:
        _url_validator(url)
    except ValidationError:
        raise InvalidInput(_("请填写群机器人的完整 Webhook 地址(http 或 https)"), field="url") from None
    if len(url) > 1000:
        raise InvalidInput(_("Webhook 地址过长"), field="url")
    secret = (secret or "").strip()
    if secret and kind != RobotKind.DINGTALK:
        raise InvalidInput(_("只有钉钉机器人使用加签密钥"), field="secret")
    hook = NodeWebhook.objects.create(
        place=place,
        place_path=place.path,
        kind=kind,
        name=name,
        url_enc=crypto.encrypt(url),
        secret_enc=crypto.encrypt(secret),
        cascade=cascade,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(action="webhook.added", actor=actor, target=hook, place=place.path, kind=kind, cascade=cascade)
    return hook


@transaction.atomic
def webhook_remove(*, actor: Any, hook: NodeWebhook) -> None:
    _require_manage(actor, hook.place_path)
    audit_record(action="webhook.removed", actor=actor, target=hook, place=hook.place_path, kind=hook.kind)
    hook.delete()


def webhook_test(*, actor: Any, hook: NodeWebhook) -> None:
    """Queue a hello message so the person who added the robot sees it arrive in the group."""
    _require_manage(actor, hook.place_path)
    text = _("邻里平台:群机器人“%(name)s”已连接,%(place)s的提醒将发到这里。") % {
        "name": hook.name,
        "place": hook.place.name,
    }
    delivery_add(channel=DeliveryChannel.ROBOT, text=text, hook_id=hook.pk)
