"""Writes for the register of compound rules (小区规章制度登记, seed 002: 把加强党的领导写入“小区管理规约”
“小区文明公约”等规章制度): record a document, repeal one. Each is one transaction with an audit event.

A charter is never deleted. Recording a 管理规约, 文明公约, 业主大会议事规则 or 业委会工作规则 for a compound that
already has one in force supersedes the old one in the same transaction (its row locked first); documents of
the kind 其他 stand side by side. Only staff who manage the compound (or a node above it) write.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.cobuilding.models import SINGLE_KINDS, CharterAdoption, CharterKind, CharterStatus, CompoundCharter
from linli.cobuilding.selectors_charters import access_charter, may_read_at
from linli.core import uploads
from linli.core.dates import valid_day
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.identifiers import parse_id
from linli.core.scoping import NOT_FOUND_MESSAGE, may_manage_at
from linli.core.text import clean_text
from linli.places.models import Place, PlaceKind

MAX_TITLE = 100
MAX_SUMMARY = 2000
MAX_REASON = 200
# What a charter's document may be, judged by its bytes: a PDF kept as it is, or a photo or scan re-encoded
# without its metadata (``core.uploads.clean_image``).
DOCUMENT_IMAGE_FORMATS = ("JPEG", "PNG")


def _choice(value: Any, choices: Any, field: str, label: str) -> str:
    text = str(value or "").strip()
    if text not in choices.values:
        raise InvalidInput(_("请选择%(label)s") % {"label": label}, field=field)
    return text


def _flag(value: Any, field: str, label: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(_("请说明%(label)s") % {"label": label}, field=field)
    return value


def _compound(actor: Any, compound_id: Any) -> Place:
    """The compound, locked: two records at the same compound wait for each other. A missing id and one outside
    the actor's scope are the same 404 (on ``compound_id``); inside it without ``manage`` it is forbidden."""
    pk = parse_id(compound_id)
    place = Place.objects.filter(pk=pk).first() if pk else None
    if place is None or not may_manage_at(actor, place.path):
        if place is not None and may_read_at(actor, place.path):
            raise Forbidden(_("您的岗位无权登记小区规章制度"))
        raise NotFound(_(NOT_FOUND_MESSAGE), field="compound_id")
    if place.kind != PlaceKind.COMPOUND:
        raise InvalidInput(_("规章制度应登记在一个小区"), field="compound_id")
    Place.objects.select_for_update().filter(pk=place.pk).first()  # only once the actor may write there
    return place


def clean_document(upload: Any) -> tuple[bytes, str]:
    """The document's bytes and extension: a PDF as it is, or a JPEG/PNG re-encoded without its metadata.
    Size-limited (``LINLI_UPLOAD_MAX_MB``); anything else (a renamed program, a Word file, a GIF) is refused
    naming ``document``."""
    data = uploads.read_upload(upload, field="document")
    try:
        if uploads.sniff_document(data, field="document") == "pdf":
            return data, "pdf"
    except InvalidInput:
        pass  # not a document: a photo or scan of one, perhaps
    try:
        fmt, _width, _height = uploads.inspect_image(data, field="document")
    except InvalidInput:
        fmt = ""
    if fmt not in DOCUMENT_IMAGE_FORMATS:
        raise InvalidInput(_("规章文件只接受 PDF、JPEG 或 PNG 格式"), field="document")
    image = uploads.clean_image(data, field="document")
    return image.data, image.extension


def _save_document(charter: CompoundCharter, upload: Any) -> None:
    data, extension = clean_document(upload)
    charter.document.save(uploads.random_name(extension), ContentFile(data), save=False)


def _same(charter: CompoundCharter, values: dict[str, Any]) -> bool:
    return all(getattr(charter, name) == value for name, value in values.items())


@transaction.atomic
def charter_record(
    *,
    actor: Any,
    compound_id: int,
    kind: str,
    title: str,
    adopted_on: dt.date,
    adopted_how: str,
    party_leadership: bool,
    summary: str = "",
    document: Any = None,
) -> tuple[CompoundCharter, bool]:
    """登记 a compound's rules document; returns ``(charter, created)``.

    A 管理规约, 文明公约, 业主大会议事规则 or 业委会工作规则 supersedes the compound's one of that kind in force (locked
    first); its adoption date may not be earlier than that one's. A 其他 document is added beside the others.

    A double-clicked or retried submit does not make a second row: when a charter in force at the compound has
    the same kind, title and adoption date, **that charter is returned** with ``created=False`` (nothing is
    written or audited; a file sent again is not stored again) if the rest (how adopted, 写入党的领导, summary)
    is the same too, and ``Conflict`` (409) is raised if the rest differs — a correction is not a duplicate:
    repeal the wrong one and record it again.

    Bad input is ``InvalidInput`` naming the field; nothing is written."""
    compound = _compound(actor, compound_id)
    values: dict[str, Any] = {
        "kind": _choice(kind, CharterKind, "kind", _("规章类别")),
        "title": clean_text(title, field="title", label=_("规章名称"), max_length=MAX_TITLE),
        "adopted_on": valid_day(adopted_on, field="adopted_on", label=_("通过日期")),
        "adopted_how": _choice(adopted_how, CharterAdoption, "adopted_how", _("通过方式")),
        "party_leadership": _flag(party_leadership, "party_leadership", _("是否写入党的领导")),
        "summary": clean_text(
            summary, field="summary", label=_("主要内容"), max_length=MAX_SUMMARY, required=False, show_length=True
        ),
    }
    if values["adopted_on"] > timezone.localdate():
        raise InvalidInput(_("通过日期不能晚于今天"), field="adopted_on")
    in_force = list(
        CompoundCharter.objects.select_for_update()
        .filter(compound=compound, kind=values["kind"], status=CharterStatus.IN_FORCE)
        .order_by("id")
    )
    key = ("kind", "title", "adopted_on")
    repeat = next((c for c in in_force if all(getattr(c, k) == values[k] for k in key)), None)
    if repeat is not None:
        if _same(repeat, values):
            return repeat, False
        raise Conflict(
            _("本小区已登记同名、同一通过日期的《%(title)s》,内容不同;如需更正,请先废止后重新登记")
            % {"title": repeat.title},
            field="title",
        )
    replaced = [c for c in in_force if values["kind"] in SINGLE_KINDS]
    for old in replaced:
        if values["adopted_on"] < old.adopted_on:
            raise InvalidInput(
                _("本小区现行的《%(title)s》于 %(day)s 通过,新登记版本的通过日期不能早于它")
                % {"title": old.title, "day": old.adopted_on.isoformat()},
                field="adopted_on",
            )
    charter = CompoundCharter(compound=compound, place_path=compound.path, recorded_by=actor, **values)
    if document:
        _save_document(charter, document)
    for old in replaced:  # out of force first: the new row may only be inserted once the old one has left
        old.status = CharterStatus.SUPERSEDED
        old.save(update_fields=["status"])
    try:
        with transaction.atomic():  # the partial unique constraint settles a concurrent record of the same kind
            charter.save()
    except IntegrityError:
        raise Conflict(_("本小区刚刚登记了同类规章,请刷新后再试"), field="kind") from None
    for old in replaced:
        old.superseded_by = charter
        old.save(update_fields=["superseded_by"])
    audit_record(
        action="cobuilding.charter_recorded", actor=actor, target=charter, compound=compound.pk,
        kind=charter.kind, party_leadership=charter.party_leadership, document=bool(charter.document),
        superseded=[old.pk for old in replaced],
    )  # fmt: skip
    return charter, True


@transaction.atomic
def charter_repeal(*, actor: Any, charter_id: int, reason: str, repealed_on: dt.date | None = None) -> CompoundCharter:
    """废止 a charter in force, with a reason, the date (default today; not in the future, not before it was
    adopted) and who. It stays on the register; a superseded or repealed one is ``Conflict``."""
    charter = access_charter(actor, charter_id, lock=True)
    if not may_manage_at(actor, charter.place_path):
        raise Forbidden(_("您的岗位无权废止小区规章制度"))
    if charter.status == CharterStatus.REPEALED:
        raise Conflict(_("该规章已废止"))
    if charter.status == CharterStatus.SUPERSEDED:
        raise Conflict(_("该规章已被新版取代,无需废止"))
    why = clean_text(reason, field="reason", label=_("废止原因"), max_length=MAX_REASON)
    today = timezone.localdate()
    day = today if repealed_on is None else valid_day(repealed_on, field="repealed_on", label=_("废止日期"))
    if day > today:
        raise InvalidInput(_("废止日期不能晚于今天"), field="repealed_on")
    if day < charter.adopted_on:
        raise InvalidInput(_("废止日期不能早于通过日期"), field="repealed_on")
    charter.status = CharterStatus.REPEALED
    charter.repealed_on = day
    charter.repeal_reason = why
    charter.repealed_by = actor
    charter.save(update_fields=["status", "repealed_on", "repeal_reason", "repealed_by"])
    audit_record(
        action="cobuilding.charter_repealed", actor=actor, target=charter, repealed_on=day.isoformat(), reason=why
    )
    return charter
