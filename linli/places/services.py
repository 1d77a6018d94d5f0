"""Place tree state changes. Every edit keeps the tree and the denormalised paths consistent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.identifiers import validate_division_code
from linli.core.scoping import capabilities_at
from linli.places.models import ALLOWED_CHILDREN, CODED_KINDS, Household, Place, PlaceKind
from linli.places.selectors import may_manage_place

GEOJSON_TYPES = {"Polygon", "MultiPolygon"}


def _require_manage(actor: Any, node: Place) -> None:
    if not may_manage_place(actor, node.path):
        raise Forbidden(_("您没有编辑此节点的权限"))


def validate_boundary(boundary: Any) -> dict[str, Any] | None:
    if boundary in (None, "", {}):
        return None
    if not isinstance(boundary, dict) or boundary.get("type") not in GEOJSON_TYPES:
        raise InvalidInput(_("边界应为 GeoJSON Polygon 或 MultiPolygon"), field="boundary")
    coords = boundary.get("coordinates")
    if not isinstance(coords, list) or not coords:
        raise InvalidInput(_("边界缺少坐标"), field="boundary")
    return boundary


def validate_point(lat: Any, lng: Any) -> tuple[Decimal | None, Decimal | None]:
    if lat in (None, "") and lng in (None, ""):
        return None, None
    if lat in (None, ""):
        raise InvalidInput(_("只填了经度,请同时填写纬度"), field="lat")
    if lng in (None, ""):
        raise InvalidInput(_("只填了纬度,请同时填写经度"), field="lng")
    try:
        la = Decimal(str(lat))
    except Exception:
        raise InvalidInput(_("坐标应为数字"), field="lat") from None
    try:
        ln = Decimal(str(lng))
    except Exception:
        raise InvalidInput(_("坐标应为数字"), field="lng") from None
    if not (-90 <= la <= 90):
        raise InvalidInput(_("纬度应在 -90 到 90 之间"), field="lat")
    if not (-180 <= ln <= 180):
        raise InvalidInput(_("经度应在 -180 到 180 之间"), field="lng")
    return la.quantize(Decimal("0.000001")), ln.quantize(Decimal("0.000001"))


def validate_code(*, kind: str, code: str, parent: Place | None) -> str:
    if not code:
        return ""
    if kind not in CODED_KINDS:
        raise InvalidInput(_("只有区、街道和社区可以填写区划代码"), field="code")
    code = validate_division_code(code)
    if kind == PlaceKind.STREET and (not code.endswith("000") or code.endswith("000000")):
        raise InvalidInput(_("街道区划代码应为9位乡级代码加“000”"), field="code")
    if kind == PlaceKind.COMMUNITY:
        if code.endswith("000"):
            raise InvalidInput(_("社区区划代码末三位不能为“000”"), field="code")
        if parent is not None and parent.code and parent.code[:9] != code[:9]:
            raise InvalidInput(
                _("社区区划代码应以所属街道代码 %(prefix)s 开头") % {"prefix": parent.code[:9]}, field="code"
            )
    return code


def _check_child_kind(parent: Place | None, kind: str) -> None:
    if kind not in PlaceKind.values:
        raise InvalidInput(_("未知节点类型“%(kind)s”") % {"kind": kind}, field="kind")
    if parent is None:
        if kind != PlaceKind.DISTRICT:
            raise InvalidInput(_("根节点必须是区"), field="kind")
        return
    if kind not in ALLOWED_CHILDREN[parent.kind]:
        raise InvalidInput(
            _("%(parent)s下不能直接设立%(child)s")
            % {"parent": PlaceKind(parent.kind).label, "child": PlaceKind(kind).label},
            field="kind",
        )


@transaction.atomic
def place_create(
    *,
    actor: Any,
    parent: Place | None,
    kind: str,
    name: str,
    code: str = "",
    boundary: Any = None,
    lat: Any = None,
    lng: Any = None,
) -> Place:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("名称不能为空"), field="name")
    if parent is None:
        if not getattr(actor, "is_superuser", False):
            raise Forbidden(_("只有系统管理员可以创建根节点"))
    else:
        _require_manage(actor, parent)
    _check_child_kind(parent, kind)
    la, ln = validate_point(lat, lng)
    fields = {
        "kind": kind,
        "name": name,
        "code": validate_code(kind=kind, code=code, parent=parent),
        "boundary": validate_boundary(boundary),
        "lat": la,
        "lng": ln,
    }
    if parent is None:
        node = Place.objects.add_root(create_kwargs=fields)
    else:
        node = Place.objects.add_child(parent, create_kwargs=fields)
    audit_record(action="place.created", actor=actor, target=node)
    return node


def hot_models() -> list[Any]:
    """Models that copy a place path and must follow a moved subtree."""
    return [m for m in apps.get_models() if getattr(m, "PLACE_PATH_DENORMALISED", False)]


@transaction.atomic
def place_move(*, actor: Any, node: Place, new_parent: Place) -> Place:
    """Move a subtree under another node. Refuses cycles and kinds that do not fit."""
    node.refresh_from_db()
    new_parent.refresh_from_db()
    if new_parent.path.startswith(node.path):
        raise Conflict(_("不能把节点移动到它自己或它的下级之下"))
    _check_child_kind(new_parent, node.kind)
    _require_manage(actor, node)
    _require_manage(actor, new_parent)
    old_path = node.path
    Place.objects.move(node, new_parent, pos="last-child")
    node.refresh_from_db()
    new_path = node.path
    for model in hot_models():
        model.objects.filter(place_path__under=old_path).update(
            place_path=Concat(Value(new_path), Substr("place_path", len(old_path) + 1))
        )
    from linli.insights.rollups import on_places_moved  # dashboards' rollups follow, same transaction

    on_places_moved(old_path=old_path, new_path=new_path)
    audit_record(action="place.moved", actor=actor, target=node, old_path=old_path, new_path=new_path)
    return node


@transaction.atomic
def place_delete(*, actor: Any, node: Place) -> None:
    """Delete a leaf node with nothing attached. Anything else would orphan records."""
    _require_manage(actor, node)
    if Place.objects.get_children_count(node):
        raise Conflict(_("该节点下还有下级节点,不能删除"))
    for model in hot_models():
        if model.objects.filter(place_path__under=node.path).exists():
            raise Conflict(_("该节点下还有%(records)s记录,不能删除") % {"records": model._meta.verbose_name})
    audit_record(action="place.deleted", actor=actor, target=node)
    node.delete()


@transaction.atomic
def household_create(*, actor: Any, place: Place, room: str, area_m2: Any = None) -> Household:
    if place.kind not in (PlaceKind.BUILDING, PlaceKind.UNIT):
        raise InvalidInput(_("住户只能登记在楼栋或单元下"), field="place")
    caps = capabilities_at(actor, place.path)
    if not caps & {"admin", "manage", "handle"}:
        raise Forbidden(_("您没有在此登记住户的权限"))
    room = (room or "").strip()
    if not room:
        raise InvalidInput(_("房号不能为空"), field="room")
    if Household.objects.filter(place=place, room=room).exists():
        raise Conflict(_("%(place)s %(room)s 已登记") % {"place": place.name, "room": room})
    area = None
    if area_m2 not in (None, ""):
        try:
            area = Decimal(str(area_m2))
        except Exception:
            raise InvalidInput(_("面积应为数字"), field="area_m2") from None
        if area <= 0 or area > 100000:
            raise InvalidInput(_("面积应在 0 到 100000 平方米之间"), field="area_m2")
    household = Household.objects.create(place=place, place_path=place.path, room=room, area_m2=area)
    audit_record(action="household.created", actor=actor, target=household)
    return household
