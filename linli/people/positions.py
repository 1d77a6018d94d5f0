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


@dataclass(frozen=True)
class PositionKind:
    code: str
    label: str
    capabilities: frozenset[str]
    scoped: bool = True  # does holding it let you see things under the node?
    role: str = "grid"  # which navigation the holder gets: admin, leader, staff, grid, volunteer


def _k(code: str, label: str, caps: str, *, role: str, scoped: bool = True) -> PositionKind:
    return PositionKind(code, label, frozenset(caps.split()), scoped, role)


POSITION_KINDS: dict[str, PositionKind] = {
    k.code: k
    for k in [
        _k("sysadmin", "系统管理员", "admin", role="admin"),
        _k("district_leader", "区领导", "lead manage ledger", role="leader"),
        _k("street_leader", "街道领导", "lead manage ledger reveal sensitive", role="leader"),
        _k("street_staff", "街道工作人员", "manage handle ledger", role="staff"),
        _k("community_secretary", "社区书记", "lead manage handle ledger reveal sensitive", role="staff"),
        _k("community_staff", "社区工作者", "manage handle ledger reveal sensitive", role="staff"),
        _k("grid_chief", "网格长", "handle ledger sensitive", role="grid"),
        _k("grid_worker", "网格员", "handle ledger sensitive", role="grid"),
        _k("branch_secretary", "支部书记", "handle ledger", role="grid"),
        _k("building_head", "楼栋长", "handle", role="grid"),
        _k("informant", "信息员", "handle", role="grid"),
        _k("mediator", "调解员", "handle", role="grid"),
        _k("lecturer", "宣讲员", "handle", role="grid"),
        _k("road_head", "路长", "handle", role="grid"),
        _k("lane_head", "巷长", "handle", role="grid"),
        _k("block_head", "楼长", "handle", role="grid"),
        _k("shop_head", "店长", "handle", role="grid"),
        _k("department_liaison", "职能部门联络员", "department", role="staff"),
        _k("volunteer", "志愿者", "claim", role="volunteer", scoped=False),
    ]
}

POSITION_CHOICES = [(k.code, k.label) for k in POSITION_KINDS.values()]

ROLE_ORDER = ["admin", "leader", "staff", "grid", "volunteer", "resident"]
