"""Notification writes: inbox rows, SMS to residents, group-robot messages, robot configuration.

Outgoing messages (SMS, robots) leave after the surrounding transaction commits, from a Huey
task with retries: a rolled-back change sends nothing, and a gateway that is down never fails
the request that triggered the message.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core import crypto
from linli.core.errors import Forbidden, InvalidInput
from linli.core.masking import mask_phone
from linli.core.scoping import capabilities_at
from linli.notify.models import NodeWebhook, Notification, RobotKind
from linli.notify.robots import RobotError, robot_post
from linli.notify.selectors import webhooks_hearing
from linli.notify.sms import send_sms

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


def notify(*, users: Iterable[Any], kind: str, title: str, body: str = "", link: str = "") -> int:
    """Put one message in each user's inbox (each user once). Returns how many were written.

    One INSERT per ``BATCH_SIZE`` recipients, so notifying a whole community costs a few queries.
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
    with transaction.atomic():
        Notification.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)


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


def sms_to_person(*, person: Person, text: str) -> bool:
    """Queue an SMS to a resident's registered phone. False if there is no number to send to.

    The task carries the person's id, not the phone number: the queue is not encrypted.
    """
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("短信内容不能为空"), field="text")
    if len(text) > SMS_MAX_CHARS:
        raise InvalidInput(_("短信内容不能超过%(n)d个字") % {"n": SMS_MAX_CHARS}, field="text")
    if not person.phone_enc or person.anonymised_at is not None:
        return False
    from linli.notify.tasks import sms_send_task

    transaction.on_commit(partial(sms_send_task, person.pk, text), robust=True)
    return True


def sms_deliver(*, person_id: int, text: str) -> None:
    """Runs in the worker: decrypt the phone at the last moment and hand it to the gateway."""
    from linli.people.models import Person

    person = Person.objects.filter(pk=person_id, anonymised_at__isnull=True).first()
    phone = person.phone if person is not None else ""
    if not phone or phone.startswith("["):
        log.warning("SMS to person %s skipped: no usable phone", person_id)
        return
    try:
        send_sms(phone=phone, text=text)
    except Exception as exc:
        log.warning("SMS to %s failed (will retry): %s", mask_phone(phone), exc)
        raise
    log.info("SMS sent to %s", mask_phone(phone))


# --- group robots ---------------------------------------------------------------------------------


def group_robot_post(*, place: Place, text: str) -> int:
    """Tell the group chats that follow ``place``: its own robots and its ancestors' cascading ones.

    A community's "五长工作群" robot hears about every compound and building under it. Returns how
    many robots the message was queued for.
    """
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("消息内容不能为空"), field="text")
    from linli.notify.tasks import robot_deliver_task

    hook_ids = webhooks_hearing(place)
    for hook_id in hook_ids:
        transaction.on_commit(partial(robot_deliver_task, hook_id, text), robust=True)
    return len(hook_ids)


def webhook_deliver(*, hook_id: int, text: str) -> None:
    """Runs in the worker: post once, remember the outcome on the robot, re-raise so Huey retries."""
    hook = NodeWebhook.objects.filter(pk=hook_id, active=True).first()
    if hook is None:
        return  # removed or switched off since the message was queued
    try:
        robot_post(kind=hook.kind, url=hook.url, secret=hook.secret, text=text)
    except RobotError as exc:
        log.warning("group robot %s (%s) failed: %s", hook.pk, hook.name, exc)
        NodeWebhook.objects.filter(pk=hook.pk).update(failures=F("failures") + 1, last_error=str(exc)[:300])
        raise
    NodeWebhook.objects.filter(pk=hook.pk).update(last_sent_at=timezone.now(), last_error="")


def _require_manage(actor: Any, path: str) -> None:
    if not capabilities_at(actor, path) & {"admin", "manage"}:
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
    from linli.notify.tasks import robot_deliver_task

    text = _("邻里平台:群机器人“%(name)s”已连接,%(place)s的提醒将发到这里。") % {
        "name": hook.name,
        "place": hook.place.name,
    }
    transaction.on_commit(partial(robot_deliver_task, hook.pk, text), robust=True)
