"""Topics 议题: raised by residents, from requests or by staff; moderated discussion; escalation.

Escalation follows the path the seeds describe: 网上议事 → 物业党群议事 → 社区党群议事.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.idempotency import clean_key, create_once
from linli.core.text import clean_text
from linli.deliberation.models import (
    TOPIC_LEVEL_ORDER,
    Topic,
    TopicComment,
    TopicSource,
    TopicStatus,
)
from linli.deliberation.permissions import may, require
from linli.places.models import Place, PlaceKind

TOPIC_PLACE_KINDS = {PlaceKind.COMPOUND, PlaceKind.COMMUNITY, PlaceKind.BUILDING, PlaceKind.GRID}


def lives_under(user: Any, path: str) -> bool:
    person = getattr(user, "person", None)
    return bool(person and person.place_path.startswith(path) and person.moved_out_on is None)


@transaction.atomic
def topic_raise(
    *, actor: Any, place: Place, title: str, body: str = "", ticket: Any = None, idempotency_key: str = ""
) -> Topic:
    """Residents raise topics where they live; staff anywhere they manage; a request can become a topic.

    A retry with the same idempotency key (the form's hidden key, the API's ``Idempotency-Key``)
    returns the first topic and raises nothing twice, even when both arrive at once; a different topic
    sent under a used key is refused (409) rather than answered with the first (it would be lost)."""
    key = clean_key(idempotency_key)
    if place.kind not in TOPIC_PLACE_KINDS:
        raise InvalidInput(_("议题范围应为社区、小区、网格或楼栋"), field="place_id")
    staff = may(actor, place.path, "manage") or may(actor, place.path, "handle")
    if not staff and not lives_under(actor, place.path):
        raise Forbidden(_("只能在您居住的小区或社区提出议题"))
    if ticket is not None and not ticket.place_path.startswith(place.path):
        raise InvalidInput(_("诉求不在该议题范围内"), field="ticket_id")
    title = clean_text(title, field="title", label=_("议题标题"), max_length=100)
    body = clean_text(body, field="body", label=_("议题说明"), max_length=5000, required=False)
    source = TopicSource.REQUEST if ticket is not None else (TopicSource.STAFF if staff else TopicSource.RESIDENT)

    def create() -> Topic:
        topic = Topic.objects.create(
            place=place,
            place_path=place.path,
            title=title,
            body=body,
            source=source,
            ticket=ticket,
            raised_by=actor,
            idempotency_key=key,
        )
        audit_record(action="topic.raised", actor=actor, target=topic, source=source)
        return topic

    topic, _created = create_once(
        earlier=Topic.objects.filter(raised_by=actor),
        key=key,
        create=create,
        same=lambda existing: (existing.place_id, existing.title, existing.body) == (place.pk, title, body),
        refusal=lambda existing: _("这个 Idempotency-Key 已用于另一个议题,新的议题请换一个"),
    )
    return topic


@transaction.atomic
def topic_comment(*, actor: Any, topic: Topic, body: str) -> TopicComment:
    if topic.status == TopicStatus.CLOSED:
        raise Conflict(_("议题已关闭,不能再发言"))
    staff = may(actor, topic.place_path, "handle") or may(actor, topic.place_path, "manage")
    if not staff and not lives_under(actor, topic.place_path):
        raise Forbidden(_("只有本范围的居民和工作人员可以参与讨论"))
    person = getattr(actor, "person", None)
    comment = TopicComment.objects.create(
        topic=topic,
        author=actor,
        author_name=person.name if person else actor.get_username(),
        body=clean_text(body, field="body", label=_("发言内容"), max_length=2000),
    )
    return comment


@transaction.atomic
def comment_hide(*, actor: Any, comment: TopicComment, reason: str) -> TopicComment:
    """Moderation: staff hide a post with a reason; it stays in the database and in the audit log."""
    require(actor, comment.topic.place_path, "manage", _("您的岗位无权管理讨论"))
    comment = TopicComment.objects.select_for_update().get(pk=comment.pk)
    if comment.hidden:
        raise Conflict(_("该发言已隐藏"))
    comment.hidden = True
    comment.hidden_reason = clean_text(reason, field="reason", label=_("隐藏理由"), max_length=200)
    comment.save(update_fields=["hidden", "hidden_reason"])
    audit_record(action="topic.comment_hidden", actor=actor, target=comment.topic, comment=comment.pk)
    return comment


@transaction.atomic
def topic_escalate(*, actor: Any, topic: Topic, note: str = "") -> Topic:
    require(actor, topic.place_path, "manage", _("您的岗位无权提级议题"))
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    if topic.status == TopicStatus.CLOSED:
        raise Conflict(_("议题已关闭"))
    index = TOPIC_LEVEL_ORDER.index(topic.level)  # type: ignore[arg-type]
    if index + 1 >= len(TOPIC_LEVEL_ORDER):
        raise Conflict(_("议题已在社区党群议事,不能再提级"))
    old = topic.level
    topic.level = TOPIC_LEVEL_ORDER[index + 1]
    topic.save(update_fields=["level"])
    audit_record(action="topic.escalated", actor=actor, target=topic, old=old, new=topic.level, note=note[:200])
    return topic


@transaction.atomic
def topic_close(*, actor: Any, topic: Topic) -> Topic:
    require(actor, topic.place_path, "manage", _("您的岗位无权关闭议题"))
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    if topic.status == TopicStatus.CLOSED:
        raise Conflict(_("议题已关闭"))
    topic.status = TopicStatus.CLOSED
    topic.save(update_fields=["status"])
    audit_record(action="topic.closed", actor=actor, target=topic)
    return topic
