"""Writes of smart dispatch: training a model version, recording (and maybe applying) a suggestion at
intake, merging a duplicate, category keywords, hot-spot alerts and proactive cases (未诉先办).

Each is a keyword-only function in one transaction that leaves an audit event or a request event.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext

from linli.audit.services import audit_record
from linli.core.dates import aware, parse_moment
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.lookups import ancestor_paths
from linli.core.scoping import capabilities_at, scope_for
from linli.places.models import Place
from linli.routing import classifier
from linli.routing.engine import Prediction, forget_loaded_model, suggest
from linli.routing.models import (
    CategoryKeywords,
    Hotspot,
    HotspotStatus,
    HotspotTicket,
    ModelKind,
    RoutingModel,
    Suggestion,
)
from linli.tickets.models import Category, Source, Status, Ticket, TicketCounter, TicketEvent

LABELLED_STATUSES = (Status.RESOLVED, Status.RATED, Status.CLOSED)
TRAIN_MAX_ROWS = 200_000  # the newest ones; older history adds little and costs minutes
CV_MAX_ROWS = 5_000  # cross-validation runs on a sample of this size (5 more fits of the pipeline)
KEYWORDS_MAX = 500


def topic_q(category_id: int | None) -> Q:
    return Q(category_id=category_id) if category_id else Q(category__isnull=True)


def _require_admin(actor: Any) -> None:
    if not (getattr(actor, "is_authenticated", False) and scope_for(actor).everything):
        raise Forbidden(gettext("只有系统管理员可以训练模型或修改分类关键词"))


# --- training -------------------------------------------------------------------------------------


def labelled_requests(*, limit: int = TRAIN_MAX_ROWS) -> tuple[list[str], list[int]]:
    """Title + description → final category of closed requests (newest first); merged ones excluded."""
    rows = (
        Ticket.objects.filter(status__in=LABELLED_STATUSES, category__isnull=False)
        .order_by("-id")
        .values_list("title", "description", "category_id")[:limit]
    )
    texts, labels = [], []
    for title, description, category_id in rows:
        texts.append(classifier.text_of(title, description))
        labels.append(category_id)
    return texts, labels


def model_train(*, actor: Any = None, trigger: str = "manual", evaluate: bool = True) -> RoutingModel:
    """Train a new version on the deployment's own closed requests; ``actor=None`` is the job or command.

    Refuses (``Conflict``) below ``ROUTING_MIN_LABELLED`` labelled requests: suggestions then keep
    coming from category keywords, and say so.
    """
    if actor is not None:
        _require_admin(actor)
    texts, labels = labelled_requests()
    keep = classifier.usable(labels)
    texts = [t for t, k in zip(texts, keep, strict=True) if k]
    labels = [label for label, k in zip(labels, keep, strict=True) if k]
    minimum = settings.ROUTING_MIN_LABELLED
    if len(texts) < minimum or len(set(labels)) < 2:
        raise Conflict(
            gettext(
                "已办结且有分类的诉求只有 %(requests)d 条(%(categories)d 个分类),"
                "至少需要 %(minimum)d 条、2 个分类;在此之前按分类关键词给出建议"
            )
            % {"requests": len(texts), "categories": len(set(labels)), "minimum": minimum}
        )
    started = time.monotonic()
    evaluation = None
    if evaluate:
        sample = list(range(len(texts)))
        if len(sample) > CV_MAX_ROWS:
            sample = sorted(random.Random(0).sample(sample, CV_MAX_ROWS))
        s_texts, s_labels = [texts[i] for i in sample], [labels[i] for i in sample]
        keep = classifier.usable(s_labels)
        evaluation = classifier.cross_validate(
            [t for t, k in zip(s_texts, keep, strict=True) if k],
            [label for label, k in zip(s_labels, keep, strict=True) if k],
        )
    model = classifier.fit(texts, labels)
    blob = classifier.dump(model)
    seconds = time.monotonic() - started
    with transaction.atomic():
        last = RoutingModel.objects.select_for_update().aggregate(m=Max("version"))["m"] or 0
        row = RoutingModel.objects.create(
            version=last + 1,
            kind=ModelKind.LEARNED,
            trained_on=len(texts),
            categories=len(set(labels)),
            macro_f1=evaluation.macro_f1 if evaluation else None,
            accuracy=evaluation.accuracy if evaluation else None,
            seconds=round(seconds, 2),
            blob=blob,
            trained_by=actor if getattr(actor, "is_authenticated", False) else None,
            trigger=trigger,
        )
        audit_record(
            action="routing.model_trained",
            actor=actor,
            actor_label="" if actor else f"routing:{trigger}",
            target=row,
            version=row.version,
            trained_on=row.trained_on,
            macro_f1=row.macro_f1,
        )
    forget_loaded_model()
    return row


# --- intake ---------------------------------------------------------------------------------------


def intake_submit(*, actor: Any, **fields: Any) -> tuple[Ticket, bool]:
    """``tickets.services.ticket_submit`` with smart dispatch: the suggestion is computed from the
    cleaned text before the request is written; when a learned model is at least
    ``ROUTING_AUTO_ASSIGN_CONFIDENCE`` sure and the reporter chose no category, the request is
    created with that category, its deadlines and its default unit, plus an ``auto_categorise``
    event — one transaction, nothing rewritten afterwards. The suggestion is recorded for every new
    request (one INSERT, in that same transaction); a retry with the same idempotency key records
    nothing more."""
    from linli.tickets.services import Dispatch, ticket_submit

    seen: list[Prediction] = []
    applied: list[Dispatch] = []

    def dispatch(title: str, description: str, chosen: Category | None) -> Dispatch | None:
        prediction = suggest(title=title, description=description)
        seen.append(prediction)
        top = prediction.top
        if (
            chosen is None
            and top is not None
            and prediction.kind == ModelKind.LEARNED
            and top.score >= settings.ROUTING_AUTO_ASSIGN_CONFIDENCE
        ):
            applied.append(Dispatch(category=top.category, score=top.score, model_version=prediction.version))
            return applied[-1]
        return None

    def record(ticket: Ticket) -> None:  # in the request's own transaction: one commit, not two
        if seen:
            Suggestion.objects.create(ticket=ticket, **_suggestion_fields(ticket, seen[0], auto_applied=bool(applied)))

    return ticket_submit(actor=actor, dispatch=dispatch, on_created=record, **fields)


def _suggestion_fields(ticket: Ticket, prediction: Prediction, *, auto_applied: bool) -> dict[str, Any]:
    top = prediction.top
    return {
        "place_path": ticket.place_path,
        "model_version": prediction.version,
        "kind": prediction.kind,
        "candidates": [{"category_id": c.category.pk, "score": c.score} for c in prediction.candidates],
        "top_category": top.category if top else None,
        "top_score": top.score if top else 0,
        "auto_applied": auto_applied,
    }


def suggestion_record(
    *, ticket: Ticket, prediction: Prediction | None = None, auto_applied: bool = False
) -> Suggestion:
    """Record the suggestion for a request (model version included): one INSERT (no transaction of
    its own outside one; a savepoint inside one, so a second call for the same request fails alone
    and returns the first suggestion). ``auto_applied``: the request was created with its top category."""
    prediction = prediction or suggest(title=ticket.title, description=ticket.description)
    fields = _suggestion_fields(ticket, prediction, auto_applied=auto_applied)
    try:
        with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
            return Suggestion.objects.create(ticket=ticket, **fields)
    except IntegrityError:
        return Suggestion.objects.get(ticket=ticket)


def duplicate_merge(*, actor: Any, duplicate_id: int, master_id: int) -> Ticket:
    """Merge one request into a similar one through the request workflow's merge transition."""
    from linli.tickets.transitions import ticket_merge

    return ticket_merge(actor=actor, ticket_id=duplicate_id, master_id=master_id, note="智能查重:相似诉求合并")


# --- keywords -------------------------------------------------------------------------------------


def keywords_set(*, actor: Any, category_id: int, words: str) -> CategoryKeywords:
    _require_admin(actor)
    text = (words or "").strip()
    if len(text) > KEYWORDS_MAX:
        raise InvalidInput(gettext("关键词最多 %(max)d 个字") % {"max": KEYWORDS_MAX}, field="words")
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise NotFound(gettext("未找到该分类"), field="category_id")
    with transaction.atomic():
        row, _ = CategoryKeywords.objects.select_for_update().get_or_create(category=category)
        before = row.words
        row.words = text
        row.save(update_fields=["words", "updated_at"])
        audit_record(action="routing.keywords_set", actor=actor, target=category, changes={"words": [before, text]})
    return row


# --- hot spots -------------------------------------------------------------------------------------


def hotspot_sweep(*, now: dt.datetime | None = None) -> list[Hotspot]:
    """Find fast-growing groups everywhere and alert the node's staff (once per cool-down per group)."""
    from linli.routing.selectors import COOLDOWN_DAYS, hot_groups

    now = now or timezone.now()
    alerted: list[Hotspot] = []
    for group in hot_groups(root_path="", days=30, now=now):
        if not group.growing:
            continue
        with transaction.atomic():
            spot = (
                Hotspot.objects.select_for_update()
                .filter(topic_q(group.category.pk if group.category else None), place_id=group.place.pk)
                .first()
            )
            if spot is not None and spot.last_alerted_at > now - dt.timedelta(days=COOLDOWN_DAYS):
                continue
            if spot is None:
                try:
                    with transaction.atomic():
                        spot = Hotspot.objects.create(
                            place=group.place,
                            place_path=group.place.path,
                            category=group.category,
                            first_alerted_at=now,
                            last_alerted_at=now,
                        )
                except IntegrityError:
                    continue  # a parallel sweep took it
            spot.recent_count = group.recent
            spot.baseline = group.baseline
            spot.last_alerted_at = now
            spot.save(update_fields=["recent_count", "baseline", "last_alerted_at"])
            HotspotTicket.objects.bulk_create(
                [HotspotTicket(hotspot=spot, ticket_id=pk) for pk in group.ticket_ids], ignore_conflicts=True
            )
            _alert(spot, group)
            audit_record(
                action="routing.hotspot_alerted",
                actor_label="routing:hotspot_sweep",
                target=spot,
                recent=group.recent,
                baseline=group.baseline,
            )
        alerted.append(spot)
    return alerted


def _alert(spot: Hotspot, group: Any) -> None:
    from linli.accounts.models import User
    from linli.notify.services import notify
    from linli.people.models import Position
    from linli.tickets.notifications import HANDLING_KINDS

    prefixes = ancestor_paths(spot.place_path, Place.steplen)
    community_and_below = Place.objects.filter(path__in=prefixes, depth__gte=3).values("path")
    positions = Position.objects.filter(
        place__path__in=community_and_below, kind__in=HANDLING_KINDS, end_date__isnull=True
    )
    users = User.objects.filter(person__positions__in=positions, is_active=True).distinct()
    topic = group.topic
    title = f"热点预警:{group.place.name}近{group.recent_days}天{topic}类诉求 {group.recent} 条"
    body = f"此前平均每{group.recent_days}天 {group.baseline:.1f} 条。可在热点页面“未诉先办”立案,统一处置。"
    transaction.on_commit(
        lambda: notify(users=list(users), kind="routing.hotspot", title=title, body=body, link="/routing/hotspots/")
    )


def proactive_case_open(*, actor: Any, place_id: int, category_id: int | None, days: int = 30) -> Ticket:
    """未诉先办: open one request for a hot group, linked to the group's requests. Idempotent per group."""
    from linli.routing.selectors import group_for
    from linli.tickets.services import ticket_submit

    place = Place.objects.filter(pk=place_id).first()
    if place is None or not capabilities_at(actor, place.path) & {"handle", "manage"}:
        raise NotFound(gettext("未找到该热点,或您无权处置"))
    group = group_for(place=place, category_id=category_id, days=days)
    if group is None or not group.ticket_ids:
        raise NotFound(gettext("该地点近期没有这一类诉求"))
    with transaction.atomic():
        spot = Hotspot.objects.select_for_update().filter(topic_q(category_id), place=place).first()
        if spot is None:
            spot = Hotspot.objects.create(
                place=place,
                place_path=place.path,
                category_id=category_id,
                recent_count=group.recent,
                baseline=group.baseline,
            )
        if spot.case_ticket_id is not None:
            raise Conflict(gettext("已立案:%(number)s") % {"number": spot.case_ticket.number})  # type: ignore[union-attr]
        numbers = ", ".join(group.numbers[:50])
        ticket, _ = ticket_submit(
            actor=actor,
            title=f"未诉先办:{place.name}{group.topic}问题",
            description=(
                f"近{days}天{place.name}共有 {len(group.ticket_ids)} 条{group.topic}类诉求(其中近"
                f"{group.recent_days}天 {group.recent} 条),主动立案统一处置。关联诉求:{numbers}"
            ),
            category_id=category_id
            if category_id and Category.objects.filter(pk=category_id, active=True).exists()
            else None,
            place_id=place.pk,
            source=Source.PROACTIVE,
            public=False,
        )
        spot.case_ticket = ticket
        spot.case_opened_by = actor
        spot.status = HotspotStatus.CASE_OPENED
        spot.save(update_fields=["case_ticket", "case_opened_by", "status"])
        HotspotTicket.objects.bulk_create(
            [HotspotTicket(hotspot=spot, ticket_id=pk) for pk in group.ticket_ids], ignore_conflicts=True
        )
        audit_record(
            action="routing.proactive_case", actor=actor, target=ticket, hotspot=spot.pk, linked=len(group.ticket_ids)
        )
    return ticket


# --- history import --------------------------------------------------------------------------------


@dataclass
class HistoryRow:
    line: int
    title: str
    description: str
    category: str
    at: Any
    compound: str = ""
    address: str = ""


@dataclass
class ImportReport:
    created: int = 0
    errors: list[str] = field(default_factory=list)


def _category_index() -> dict[str, Category]:
    """Every category by its full path (一级/二级/三级) and, when unambiguous, by its bare name."""
    rows = list(Category.objects.select_related("parent__parent"))
    by_path = {c.full_name.replace(" / ", "/"): c for c in rows}
    names: dict[str, list[Category]] = {}
    for c in rows:
        names.setdefault(c.name, []).append(c)
    by_path.update({n: cs[0] for n, cs in names.items() if len(cs) == 1 and n not in by_path})
    return by_path


def _parse_time(text: str, line: int) -> dt.datetime:
    try:
        moment = parse_moment(text, "时间")
    except InvalidInput:
        moment = None
    if moment is not None:
        return moment
    raise InvalidInput(
        gettext("第 %(line)d 行时间“%(text)s”无法识别,应为 YYYY-MM-DD HH:MM") % {"line": line, "text": text},
        field="时间",
    )


def _when(value: Any, line: int) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(9, 0))
    else:
        moment = _parse_time(str(value or "").strip().replace("/", "-"), line)
    return aware(moment)


def history_import(*, rows: list[HistoryRow], default_place: Place | None, skip_unknown: bool = False) -> ImportReport:
    """Import closed historical requests. Unknown categories (or places, times) are reported, never guessed;
    unless ``skip_unknown``, any such row stops the whole import (nothing is written)."""
    index = _category_index()
    compounds = {p.name: p for p in Place.objects.filter(kind="compound")}
    report = ImportReport()
    ready: list[tuple[HistoryRow, Category, Place, dt.datetime]] = []
    for row in rows:
        category = index.get(row.category.strip().replace(" / ", "/"))
        if category is None:
            report.errors.append(f"第 {row.line} 行:未知分类“{row.category}”")
            continue
        place = compounds.get(row.compound.strip()) if row.compound.strip() else None
        place = place or default_place
        if place is None:
            report.errors.append(f"第 {row.line} 行:找不到小区“{row.compound}”,且未指定 --place")
            continue
        if not row.description.strip():
            report.errors.append(f"第 {row.line} 行:内容为空")
            continue
        try:
            at = _when(row.at, row.line)
        except InvalidInput as exc:
            report.errors.append(exc.message)
            continue
        ready.append((row, category, place, at))
    if report.errors and not skip_unknown:
        return report
    with transaction.atomic():
        year = timezone.localtime().year
        TicketCounter.objects.get_or_create(year=year)
        TicketCounter.objects.select_for_update().get(year=year)
        start = TicketCounter.objects.filter(year=year).values_list("last", flat=True).get()
        TicketCounter.objects.filter(year=year).update(last=start + len(ready))
        tickets = []
        for i, (row, category, place, at) in enumerate(ready, start=1):
            description = row.description.strip()[:5000]
            if row.address.strip():
                description = f"{description}\n(地址:{row.address.strip()[:200]})"
            tickets.append(
                Ticket(
                    number=f"{year}-{start + i:06d}",
                    title=(row.title.strip() or description[:30])[:100],
                    description=description,
                    category=category,
                    place=place,
                    place_path=place.path,
                    source=Source.PHONE,
                    status=Status.CLOSED,
                    priority=category.priority,
                    submitted_at=at,
                    responded_at=at,
                    resolved_at=at,
                    closed_at=at,
                    public=False,
                )
            )
        created = Ticket.objects.bulk_create(tickets, batch_size=500)
        TicketEvent.objects.bulk_create(
            [
                TicketEvent(
                    ticket=t,
                    place_path=t.place_path,
                    at=t.submitted_at,
                    action="import",
                    from_status="",
                    to_status=Status.CLOSED,
                    note="历史诉求导入",
                )
                for t in created
            ],
            batch_size=500,
        )
        audit_record(action="routing.history_imported", actor_label="import_tickets", created=len(created))
    report.created = len(created)
    return report
