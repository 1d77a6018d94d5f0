"""下派事项登记与准入审查: a department hands a task down to the street or one of its communities; street staff
review it.

The transitions (anything else is refused with 409 and says why):

============  ===========================  ==========================================================
from          to                           who, and what it needs
============  ===========================  ==========================================================
(none)        registered 待审查             street staff (``manage`` at the street), or the liaison of the
                                           department it comes from
registered    accepted 准入                 street staff; an in-force entry-list item of the street
registered    approved 特批准入              street staff; the 党工委's approval reference and a note
registered    returned 退回                 street staff; the reason
============  ===========================  ==========================================================

Each function is one transaction with one event row and one audit event. A double submit is harmless: a
register retried under its idempotency key answers with the first task, and a decision repeated on a task that
already has it answers with the task and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.idempotency import clean_key, create_once
from linli.core.text import clean_text
from linli.duties.models import EntryItem, ListStatus, PushedTask, PushedTaskEvent, TaskStatus
from linli.duties.permissions import may_register_for, require_manage_street
from linli.duties.services import DEPARTMENT_MAX, TEXT_MAX, TITLE_MAX, require_street
from linli.places.models import Place, PlaceKind

NOTE_MAX = 500
REF_MAX = 100

# to → the states it may be reached from
TRANSITIONS: dict[str, set[str]] = {
    TaskStatus.ACCEPTED: {TaskStatus.REGISTERED},
    TaskStatus.APPROVED: {TaskStatus.REGISTERED},
    TaskStatus.RETURNED: {TaskStatus.REGISTERED},
}


@dataclass(frozen=True)
class TaskFields:
    title: Any
    target: Place | None  # the street itself or one of its communities
    department_name: Any = ""
    department: Any = None
    content: Any = ""
    due_on: dt.date | None = None
    entry: EntryItem | None = None


def _event(task: PushedTask, actor: Any, before: str, after: str, note: str = "") -> None:
    PushedTaskEvent.objects.create(task=task, actor=actor, from_status=before, to_status=after, note=note[:NOTE_MAX])


def _check_entry(street: Place, entry: EntryItem | None, *, field: str = "entry_id") -> None:
    if entry is None:
        return
    if entry.street_id != street.pk or entry.status != ListStatus.IN_FORCE:
        raise InvalidInput(_("请选择本街道在册的准入事项"), field=field)


@transaction.atomic
def task_register(
    *, actor: Any, street: Place, fields: TaskFields, idempotency_key: str = ""
) -> tuple[PushedTask, bool]:
    """Register a task handed down to ``fields.target`` (the street or one of its communities), matched to an
    entry-list item or to none: ``(task, created)``. A retry under the same key answers with the first task."""
    require_street(street)
    department = fields.department
    if department is not None and (
        department.kind != "department" or not street.path.startswith(department.place_path)
    ):
        raise InvalidInput(_("请选择服务本街道的职能部门"), field="department_id")
    if not may_register_for(actor, street, department):
        raise Forbidden(_("您的岗位无权向“%(street)s”登记下派事项") % {"street": street.name})
    target = fields.target
    if target is None or not (
        target.pk == street.pk or (target.kind == PlaceKind.COMMUNITY and target.path.startswith(street.path))
    ):
        raise InvalidInput(_("承接单位须是本街道或其下的社区"), field="target_id")
    _check_entry(street, fields.entry)
    title = clean_text(fields.title, field="title", label=_("事项名称"), max_length=TITLE_MAX)
    name = fields.department_name or (department.name if department is not None else "")
    department_name = clean_text(name, field="department_name", label=_("下派部门"), max_length=DEPARTMENT_MAX)
    content = clean_text(fields.content, field="content", label=_("工作内容"), max_length=TEXT_MAX, required=False)
    if fields.due_on is not None and fields.due_on < timezone.localdate():
        raise InvalidInput(_("完成时限不能早于今天"), field="due_on")
    key = clean_key(idempotency_key)

    def create() -> PushedTask:
        task = PushedTask.objects.create(
            street=street,
            target=target,
            place_path=target.path,
            title=title,
            content=content,
            department_name=department_name,
            department=department,
            due_on=fields.due_on,
            entry=fields.entry,
            created_by=actor,
            idempotency_key=key,
        )
        _event(task, actor, "", TaskStatus.REGISTERED)
        return task

    task, created = create_once(
        earlier=PushedTask.objects.filter(created_by=actor),
        key=key,
        create=create,
        same=lambda e: e.street_id == street.pk and e.title == title and e.target_id == target.pk,
        refusal=lambda e: _("这个 Idempotency-Key 已用于另一项下派事项“%(title)s”") % {"title": e.title},
    )
    if created:
        audit_record(
            action="duties.task_registered",
            actor=actor,
            target=task,
            street=street.pk,
            to=target.pk,
            department=department_name,
            entry=task.entry_id,
        )
    return task, created


def _lock_for_decision(actor: Any, task: PushedTask, to: str) -> PushedTask | None:
    """The task locked for the decision ``to``; None when it already has it (a double submit: nothing to do).
    Refuses a decision the task's state does not allow."""
    require_manage_street(actor, task.street, _("只有街道工作人员可以审查下派事项"))
    locked = PushedTask.objects.select_for_update(of=("self",)).select_related("street", "entry").get(pk=task.pk)
    if locked.status == to:
        return None
    if locked.status not in TRANSITIONS[to]:
        raise Conflict(
            _("该事项已“%(now)s”,不能再“%(to)s”")
            % {"now": TaskStatus(locked.status).label, "to": TaskStatus(to).label},
            field="status",
        )
    return locked


def _decide(actor: Any, task: PushedTask, to: str, action: str, *, note: str, **extra: Any) -> PushedTask:
    before = task.status
    task.status = to
    task.decided_by = actor
    task.decided_at = timezone.now()
    task.decision_note = note
    for name, value in extra.items():
        setattr(task, name, value)
    task.save(update_fields=["status", "decided_by", "decided_at", "decision_note", *extra])
    _event(task, actor, before, to, note)
    audit_record(
        action=action,
        actor=actor,
        target=task,
        before=before,
        note=note,
        **{k: (v.pk if hasattr(v, "pk") else v) for k, v in extra.items()},
    )
    return task


@transaction.atomic
def task_accept(*, actor: Any, task: PushedTask, entry: EntryItem | None = None, note: Any = "") -> PushedTask:
    """准入: the task is on the street's entry list. ``entry`` confirms (or sets) the list item it falls under;
    without one the task's own match is used, and a task matched to none cannot be accepted this way."""
    locked = _lock_for_decision(actor, task, TaskStatus.ACCEPTED)
    if locked is None:
        return PushedTask.objects.select_related("street", "entry").get(pk=task.pk)
    chosen = entry or locked.entry
    if chosen is None:
        raise InvalidInput(_("准入须对应一项在册的准入事项;不在清单内的请特批或退回"), field="entry_id")
    _check_entry(locked.street, chosen)
    text = clean_text(note, field="note", label=_("审查意见"), max_length=NOTE_MAX, required=False)
    return _decide(actor, locked, TaskStatus.ACCEPTED, action="duties.task_accepted", note=text, entry=chosen)


@transaction.atomic
def task_approve(*, actor: Any, task: PushedTask, approval_ref: Any, note: Any) -> PushedTask:
    """特批准入: not on the list, approved by the street's 党工委 — with the approval's reference (文号 or 会议纪要)
    and a note of what was agreed."""
    locked = _lock_for_decision(actor, task, TaskStatus.APPROVED)
    if locked is None:
        return PushedTask.objects.select_related("street", "entry").get(pk=task.pk)
    ref = clean_text(approval_ref, field="approval_ref", label=_("党工委审批文号"), max_length=REF_MAX)
    text = clean_text(note, field="note", label=_("特批说明"), max_length=NOTE_MAX)
    return _decide(actor, locked, TaskStatus.APPROVED, action="duties.task_approved", note=text, approval_ref=ref)


@transaction.atomic
def task_return(*, actor: Any, task: PushedTask, reason: Any) -> PushedTask:
    """退回: the task goes back to the department, with the reason."""
    locked = _lock_for_decision(actor, task, TaskStatus.RETURNED)
    if locked is None:
        return PushedTask.objects.select_related("street", "entry").get(pk=task.pk)
    text = clean_text(reason, field="reason", label=_("退回理由"), max_length=NOTE_MAX)
    return _decide(actor, locked, TaskStatus.RETURNED, action="duties.task_returned", note=text)
