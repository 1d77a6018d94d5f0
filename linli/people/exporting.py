"""Exports: the ledger as .xlsx (scoped, masked, formula-safe, streamed with openpyxl write-only)
and "everything we hold about this person" (PIPL Art. 45). Both are audited."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from typing import IO, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from linli.audit.models import AuditEvent
from linli.audit.services import audit_record
from linli.core.errors import Forbidden, InvalidInput
from linli.core.ratelimit import reveal_budget
from linli.core.scoping import capabilities_at
from linli.people.models import CorrectionRequest, Ownership, Person, Position, Residence
from linli.people.selectors import LedgerFilter, attach_visible_tags, filtered_ledger
from linli.people.services import MIN_REASON
from linli.people.sheets import write_xlsx

EXPORT_HEADERS = [
    "编号",
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "手机号",
    "住址",
    "房号",
    "与户主关系",
    "人员类型",
    "政治面貌",
    "工作单位",
    "标签",
]
BATCH = 1000


def _rows(user: Any, filters: LedgerFilter) -> Iterator[list[Any]]:
    qs = filtered_ledger(user, filters)
    last = 0
    while True:
        people = list(qs.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not people:
            return
        attach_visible_tags(people, user)
        for p in people:
            yield [
                p.pk,
                p.name,
                p.get_gender_display(),
                p.birth_date,
                p.id_number_masked,
                p.phone_masked,
                p.place.name,
                p.household.room if p.household else "",
                p.get_relation_to_head_display() if p.relation_to_head else "",
                p.get_residence_type_display(),
                p.get_political_status_display() if p.political_status else "",
                p.workplace,
                "、".join(t.name for t in p.visible_tags),  # type: ignore[attr-defined]
            ]
        last = people[-1].pk


def ledger_export(*, actor: Any, filters: LedgerFilter, request: HttpRequest | None = None) -> tuple[IO[bytes], int]:
    """Write the visible, filtered ledger to a temporary .xlsx (masked); returns the open file and row count."""
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to the response, which closes it
    count = write_xlsx(target, "居民台账", EXPORT_HEADERS, _rows(actor, filters))
    target.seek(0)
    audit_record(
        action="resident.export",
        actor=actor,
        request=request,
        rows=count,
        filters={k: v for k, v in asdict(filters).items() if v not in (None, "", False)},
    )
    return target, count


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _vote_proxies(person: Person) -> list[dict[str, Any]]:
    """Proxy registrations naming the person, as the proxy or as the voter who authorised one."""
    from django.db.models import Q

    from linli.deliberation.models import ProxyRegistration

    rows = (
        ProxyRegistration.objects.filter(Q(proxy=person) | Q(voter__person=person))
        .select_related("vote", "voter")
        .order_by("registered_at")
    )
    return [
        {
            "vote": r.vote.title,
            "role": "proxy" if r.proxy_id == person.pk else "voter",
            "voter": r.voter.label,
            "document": r.document,
            "registered_at": r.registered_at.isoformat(),
        }
        for r in rows
    ]


def subject_access_export(
    *, actor: Any, person: Person, reason: str, request: HttpRequest | None = None, budgeted: bool = True
) -> dict[str, Any]:
    """Everything Linli holds about one person, in clear (PIPL Art. 45). Needs ``reveal`` and
    ``sensitive`` over the person, and a reason; audited. It shows the full ID and phone numbers, so from the
    ledger it spends the actor's reveal budget like a reveal (call it outside a transaction); a copy made for the
    resident's own recorded access request (``privacy.services.subject_request_copy``) is ``budgeted=False``."""
    caps = capabilities_at(actor, person.place_path)
    if not {"reveal", "sensitive"} <= caps:
        raise Forbidden(_("您的岗位无权导出个人全部信息"))
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise InvalidInput(_("请填写导出原因(至少%(n)d个字)") % {"n": MIN_REASON}, field="reason")
    if budgeted:
        reveal_budget(actor=actor, request=request)
    data = {
        "exported_at": dt.datetime.now(dt.UTC).isoformat(),
        "person": {
            "id": person.pk,
            "name": person.name,
            "gender": person.get_gender_display(),
            "birth_date": _date(person.birth_date),
            "id_number": person.id_number,
            "phone": person.phone,
            "other_phones": [{"label": p.label, "phone": p.phone} for p in person.extra_phones.all()],
            "address": person.place.name,
            "room": person.household.room if person.household else None,
            "relation_to_head": person.get_relation_to_head_display(),
            "residence_type": person.get_residence_type_display(),
            "political_status": person.get_political_status_display(),
            "workplace": person.workplace,
            "notes": person.notes,
            "moved_out_on": _date(person.moved_out_on),
            "created_at": person.created_at.isoformat(),
            "updated_at": person.updated_at.isoformat(),
        },
        "tags": [
            {"name": pt.tag.name, "sensitive": pt.tag.sensitive, "since": pt.created_at.isoformat()}
            for pt in person.person_tags.select_related("tag")
        ],
        "residences": [
            {
                "address": r.place.name,
                "room": r.household.room if r.household else None,
                "type": r.get_residence_type_display(),
                "moved_in_on": _date(r.moved_in_on),
                "moved_out_on": _date(r.moved_out_on),
                "source": r.source,
            }
            for r in Residence.objects.filter(person=person).select_related("place", "household")
        ],
        "ownerships": [
            {"household": str(o.household), "area_m2": str(o.area_m2), "share": str(o.share), "since": _date(o.since)}
            for o in Ownership.objects.filter(person=person).select_related("household__place")
        ],
        "positions": [
            {"kind": p.kind_label, "place": p.place.name, "start": _date(p.start_date), "end": _date(p.end_date)}
            for p in Position.objects.filter(person=person).select_related("place")
        ],
        "correction_requests": [
            {
                "field": c.get_field_display(),
                "requested_value": c.requested_value,
                "message": c.message,
                "status": c.get_status_display(),
                "created_at": c.created_at.isoformat(),
            }
            for c in CorrectionRequest.objects.filter(person=person)
        ],
        "vote_proxies": _vote_proxies(person),
        "account": {"username": person.user.username} if hasattr(person, "user") else None,
        "access_log": [
            {"at": e.at.isoformat(), "action": e.action, "by": e.actor_label}
            for e in AuditEvent.objects.filter(target_type="people.person", target_id=str(person.pk)).order_by("at")
        ],
    }
    audit_record(action="resident.subject_export", actor=actor, target=person, request=request, reason=reason[:500])
    return data
