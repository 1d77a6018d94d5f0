"""Position kinds: who may do what, and where.

A person holds a position at a place node; positions are the only source of scope. The
capability names are the vocabulary the rest of the code checks with ``capabilities_at``:

- ``admin``      configuration, accounts, audit (system administrator)
- ``lead``       dashboards, rankings, supervision notices (督办)
- ``manage``     dispatch, escalate, keep the ledger, approve points
- ``handle``     take and resolve requests on the spot, record visits
- ``ledger``     read the resident ledger under the node (masked)
- ``reveal``     reveal full ID/phone numbers, with a reason that is audited
- ``sensitive``  see sensitive care tags (低保, 残疾, 信访 …)
- ``claim``      claim orders, service posts and wishes (volunteers, party members)
- ``department`` receive escalations and transfers for an outside unit
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy, gettext_noop


@dataclass(frozen=True)
class PositionKind:
    code: str
    label: str  # a message id (Simplified Chinese): translate it where it is shown, gettext(kind.label)
    capabilities: frozenset[str]
    scoped: bool = True  # does holding it let you see things under the node?
    role: str = "grid"  # which navigation the holder gets: admin, leader, staff, grid, volunteer


def _k(code: str, label: str, caps: str, *, role: str, scoped: bool = True) -> PositionKind:
    return PositionKind(code, label, frozenset(caps.split()), scoped, role)


POSITION_KINDS: dict[str, PositionKind] = {
    k.code: k
    for k in [
        _k("sysadmin", gettext_noop("系统管理员"), "admin", role="admin"),
        _k("district_leader", gettext_noop("区领导"), "lead manage ledger", role="leader"),
        _k("street_leader", gettext_noop("街道领导"), "lead manage ledger reveal sensitive", role="leader"),
        _k("street_staff", gettext_noop("街道工作人员"), "manage handle ledger", role="staff"),
        _k("community_secretary", gettext_noop("社区书记"), "lead manage handle ledger reveal sensitive", role="staff"),
        _k("community_staff", gettext_noop("社区工作者"), "manage handle ledger reveal sensitive", role="staff"),
        _k("grid_chief", gettext_noop("网格长"), "handle ledger sensitive", role="grid"),
        _k("grid_worker", gettext_noop("网格员"), "handle ledger sensitive", role="grid"),
        _k("branch_secretary", gettext_noop("支部书记"), "handle ledger", role="grid"),
        _k("building_head", gettext_noop("楼栋长"), "handle", role="grid"),
        _k("informant", gettext_noop("信息员"), "handle", role="grid"),
        _k("mediator", gettext_noop("调解员"), "handle", role="grid"),
        _k("lecturer", gettext_noop("宣讲员"), "handle", role="grid"),
        _k("road_head", gettext_noop("路长"), "handle", role="grid"),
        _k("lane_head", gettext_noop("巷长"), "handle", role="grid"),
        _k("block_head", gettext_noop("楼长"), "handle", role="grid"),
        _k("shop_head", gettext_noop("店长"), "handle", role="grid"),
        # Seed 001: 民意联络员 sit in the grid's working organisation beside 网格长 and 网格管理员, like 信息员.
        _k("opinion_liaison", gettext_noop("民意联络员"), "handle", role="grid"),
        # Seed 002: 选聘物业监督员 — residents who watch the property service of their compound. The position is a
        # record of who they are, not a key: it opens no ledger, no queue and no scope.
        _k("property_supervisor", gettext_noop("物业监督员"), "", role="resident", scoped=False),
        _k("department_liaison", gettext_noop("职能部门联络员"), "department", role="staff"),
        _k("volunteer", gettext_noop("志愿者"), "claim", role="volunteer", scoped=False),
    ]
}

# The labels are message ids (gettext_noop above): the model's choices and Position.kind_label translate them.
POSITION_CHOICES = [(k.code, gettext_lazy(k.label)) for k in POSITION_KINDS.values()]

# The positions community and street staff appoint from the roster page (``people.services_positions``), with the
# place kinds each is held at. Only these: the others carry scope and are set up with the account.
APPOINTABLE_KINDS: dict[str, tuple[str, ...]] = {
    "property_supervisor": ("compound",),
    "opinion_liaison": ("grid", "building"),
}

ROLE_ORDER = ["admin", "leader", "staff", "grid", "volunteer", "resident"]
