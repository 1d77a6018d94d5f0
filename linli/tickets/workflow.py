"""The request state machine: one table of transitions and the one engine that applies them.

``TRANSITIONS[action] = Transition(sources, target, who)``:

- ``sources``: the states the action is allowed from (anything else → ``Conflict`` with a reason);
- ``target``: the state it leads to; ``SAME`` keeps the state (supervision, appeal), ``RESUME``
  returns to the state the request was paused from (supplying information);
- ``who``: any one of these grants it. Capabilities come from positions covering the request's
  place (``capabilities_at``); four more are relations to the request itself:
  ``submitter`` (reported it), ``claimant`` (claimed it from the order board), ``liaison``
  (liaison of the organisation holding it), ``target_unit`` (holds a handling position at the
  unit it was escalated or transferred to, or is that organisation's liaison).

The per-action services live in ``linli.tickets.transitions``; each calls ``apply_transition``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from linli.core.errors import Conflict, Forbidden, NotFound
from linli.core.scoping import active_positions, capabilities_at, liaison_organisations
from linli.insights import rollups
from linli.people.positions import POSITION_KINDS
from linli.tickets.models import Status, Ticket, TicketEvent

SAME = "="
RESUME = "<"
S = Status

WORKING = (S.ASSIGNED, S.CLAIMED, S.IN_PROGRESS)
STAFF = frozenset({"handle", "manage"})
# Who sees the reporter (name, masked phone) of a request that is not anonymous: its staff and the unit's liaison.
SEES_REPORTER = frozenset({"handle", "manage", "lead", "liaison"})


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    who: frozenset[str]
    label: str  # marked with gettext_noop: stored as Chinese, translated where an error shows it


def _t(sources: tuple[str, ...], target: str, who: str, label: str) -> Transition:
    return Transition(frozenset(sources), target, frozenset(who.split()), label)


TRANSITIONS: dict[str, Transition] = {
    "accept": _t((S.SUBMITTED,), S.ACCEPTED, "handle manage", gettext_noop("受理")),
    "decline": _t((S.SUBMITTED, S.ACCEPTED), S.DECLINED, "handle manage", gettext_noop("不予受理")),
    "assign": _t((S.ACCEPTED, S.ASSIGNED), S.ASSIGNED, "handle manage", gettext_noop("派单")),
    "publish": _t((S.ACCEPTED, S.ASSIGNED), S.PUBLISHED, "handle manage", gettext_noop("发布到接单大厅")),
    "claim": _t((S.PUBLISHED,), S.CLAIMED, "claim handle", gettext_noop("认领")),
    "start": _t((S.ASSIGNED, S.CLAIMED), S.IN_PROGRESS, "handle manage claimant liaison", gettext_noop("开始办理")),
    "request_info": _t(
        (S.ACCEPTED, *WORKING), S.WAITING_INFO, "handle manage claimant liaison", gettext_noop("请居民补充材料")
    ),
    "supply_info": _t((S.WAITING_INFO,), RESUME, "submitter handle manage", gettext_noop("补充材料")),
    "resolve": _t(WORKING, S.RESOLVED, "handle manage claimant liaison", gettext_noop("办结")),
    "rate": _t((S.RESOLVED,), S.RATED, "submitter", gettext_noop("评价")),
    "reopen": _t((S.RATED,), S.IN_PROGRESS, "lead manage", gettext_noop("重新办理")),
    "appeal": _t((S.RATED,), SAME, "handle manage", gettext_noop("评价申诉")),
    "escalate": _t((S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS), S.ESCALATED, "handle manage liaison", gettext_noop("吹哨")),
    "acknowledge": _t((S.ESCALATED,), S.ASSIGNED, "target_unit", gettext_noop("报到")),
    "transfer": _t((S.ACCEPTED, S.ASSIGNED, S.ESCALATED), S.ASSIGNED, "manage handle liaison", gettext_noop("转办")),
    "merge": _t(
        (S.SUBMITTED, S.ACCEPTED, S.ASSIGNED, S.PUBLISHED), S.MERGED, "handle manage", gettext_noop("合并重复诉求")
    ),
    "supervise": _t(
        (S.ACCEPTED, S.ASSIGNED, S.PUBLISHED, S.CLAIMED, S.IN_PROGRESS, S.ESCALATED, S.SUBMITTED),
        SAME,
        "lead",
        gettext_noop("督办"),
    ),
    "close": _t((S.RESOLVED, S.RATED, S.DECLINED), S.CLOSED, "handle manage", gettext_noop("关闭")),
    "recategorise": _t(
        (S.SUBMITTED, S.ACCEPTED, S.ASSIGNED, S.PUBLISHED, S.CLAIMED, S.IN_PROGRESS, S.ESCALATED, S.WAITING_INFO),
        SAME,
        "handle manage",
        gettext_noop("改分类"),
    ),
}
SYSTEM = None  # the actor of automatic events (sweep, auto-close)


def claim_roots(user: Any) -> list[str]:
    """Subtrees where the user may claim orders. Volunteer positions are unscoped (they open no
    ledger), so they are read here rather than through ``scope_for``."""
    if getattr(user, "is_superuser", False):
        return [""]
    return [path for kind, path in active_positions(user) if "claim" in POSITION_KINDS.get(kind, _NOKIND).capabilities]


class _NoKind:
    capabilities: frozenset[str] = frozenset()


_NOKIND: Any = _NoKind()


def relations(user: Any, ticket: Ticket) -> set[str]:
    """Everything that may grant an action on this request to this user."""
    caps = set(capabilities_at(user, ticket.place_path))
    if ticket.submitted_by_id and ticket.submitted_by_id == user.pk:
        caps.add("submitter")
    if ticket.claimed_by_id and ticket.claimed_by_id == user.pk:
        caps.add("claimant")
    orgs = liaison_organisations(user)
    if ticket.handling_org_id and ticket.handling_org_id in orgs:
        caps |= {"liaison", "target_unit"}
    if ticket.handling_place_id is not None and ticket.handling_org_id is None:
        at_unit = capabilities_at(user, ticket.handling_place.path)  # type: ignore[union-attr]
        if at_unit & STAFF:
            caps.add("target_unit")
    return caps


def may_see(user: Any, ticket: Ticket) -> bool:
    if Ticket.objects.visible_to(user).filter(pk=ticket.pk).exists():
        return True
    # The order board: public requests on offer (or just taken) where the user may claim.
    on_board = ticket.public and ticket.status in (Status.PUBLISHED, Status.CLAIMED)
    return on_board and any(ticket.place_path.startswith(root) for root in claim_roots(user))


def allowed_actions(user: Any, ticket: Ticket) -> list[str]:
    """The actions the user may take now (for buttons); the services check again under lock."""
    mine = relations(user, ticket)
    return [
        name
        for name, t in TRANSITIONS.items()
        if ticket.status in t.sources and mine & t.who and not (name == "reopen" and ticket.reopen_count)
    ]


def lock_ticket(*, actor: Any, ticket_id: int) -> Ticket:
    """Lock the row for the rest of the transaction, then check the actor may see it at all."""
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .filter(pk=ticket_id)
        .select_related("handling_place", "category", "place")
        .first()
    )
    if ticket is None or (actor is not SYSTEM and not may_see(actor, ticket)):
        raise NotFound(_("未找到该诉求,或您无权查看"))
    return ticket


def apply_transition(
    *,
    actor: Any,
    ticket_id: int,
    action: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    mutate: Callable[[Ticket], dict[str, Any] | None] | None = None,
    notify: Callable[[Ticket, TicketEvent], None] | None = None,
) -> Ticket:
    """Check state and permission under a row lock, let ``mutate`` change fields, write the event.

    ``mutate`` runs after the checks and may raise ``InvalidInput``/``Conflict``; the whole
    transaction then rolls back, so nothing is half-saved. ``notify`` runs after commit.
    """
    spec = TRANSITIONS[action]
    with transaction.atomic():
        ticket = lock_ticket(actor=actor, ticket_id=ticket_id)
        if ticket.status not in spec.sources:
            raise Conflict(
                _("诉求当前状态为“%(status)s”,不能%(action)s")
                % {"status": ticket.status_label, "action": _(spec.label)},
                field="action",
            )
        if actor is not SYSTEM and not (relations(actor, ticket) & spec.who):
            raise Forbidden(_("您没有对该诉求执行“%(action)s”的权限") % {"action": _(spec.label)})
        from_status = ticket.status
        if spec.target == SAME:
            target = from_status
        elif spec.target == RESUME:
            target = ticket.paused_from or Status.ACCEPTED
        else:
            target = spec.target
        extra = mutate(ticket) if mutate else None
        ticket.status = target
        ticket.save()
        event = TicketEvent.objects.create(
            ticket=ticket,
            place_path=ticket.place_path,
            actor=actor if actor is not SYSTEM else None,
            at=timezone.now(),
            action=action,
            from_status=from_status,
            to_status=target,
            note=note,
            data={**(data or {}), **(extra or {})},
        )
        rollups.on_ticket_event(ticket_id=ticket.pk)  # dashboards' rollups move in the same transaction
        if notify is not None:
            transaction.on_commit(lambda: notify(ticket, event))
    return ticket
