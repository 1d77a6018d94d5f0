"""Bulk accept / assign on the staff workbench: one action applied to many requests.

Each request goes through its own transition service (``ticket_accept`` / ``ticket_assign``) in its
own transaction, so every one is scoped, locked, evented and audited exactly as a single action is.
The result is a per-request list, not all-or-nothing: a board is worked by several people at once,
and one request that a colleague accepted a second earlier must not undo the other forty-nine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from linli.accounts.roles import is_staff_like
from linli.core.errors import Forbidden, InvalidInput, LinliError
from linli.tickets.models import Ticket
from linli.tickets.transitions import ticket_accept, ticket_assign

BULK_ACTIONS = ("accept", "assign")
BULK_MAX = 100


@dataclass(frozen=True)
class BulkOutcome:
    ticket_id: int
    ok: bool
    status: int  # the HTTP status the single action would have answered (200, 403, 404, 409, 422)
    error: str | None = None
    detail: str | None = None
    ticket: Ticket | None = None


def tickets_bulk_act(
    *,
    actor: Any,
    action: str,
    ticket_ids: list[int],
    place_id: int | None = None,
    organisation_id: int | None = None,
    note: str = "",
) -> list[BulkOutcome]:
    """Apply ``action`` to each request in order (duplicates once); refusals are reported, not raised."""
    if not is_staff_like(actor):
        raise Forbidden(_("批量操作仅供工作人员使用"))
    if action not in BULK_ACTIONS:
        raise InvalidInput(_("请选择批量操作(受理或派单)"), field="action")
    ids = list(dict.fromkeys(ticket_ids))
    if not ids:
        raise InvalidInput(_("请至少选择一条诉求"), field="ticket_ids")
    if len(ids) > BULK_MAX:
        raise InvalidInput(_("一次最多处理 %(max)d 条诉求") % {"max": BULK_MAX}, field="ticket_ids")
    if action == "assign" and place_id is None and organisation_id is None:
        raise InvalidInput(_("请选择一个办理单位(区域节点或组织二选一)"), field="place_id")
    outcomes: list[BulkOutcome] = []
    for ticket_id in ids:
        try:
            if action == "accept":
                ticket = ticket_accept(actor=actor, ticket_id=ticket_id, note=note)
            else:
                ticket = ticket_assign(
                    actor=actor, ticket_id=ticket_id, place_id=place_id, organisation_id=organisation_id, note=note
                )
        except LinliError as exc:
            outcomes.append(
                BulkOutcome(ticket_id=ticket_id, ok=False, status=exc.status, error=exc.code, detail=exc.message)
            )
        else:
            outcomes.append(BulkOutcome(ticket_id=ticket_id, ok=True, status=200, ticket=ticket))
    return outcomes
