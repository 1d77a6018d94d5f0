"""Reads for notifications: a user's own inbox, robots under the nodes a manager runs."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from linli.core.lookups import ancestor_paths
from linli.core.scoping import scope_for
from linli.notify.models import NodeWebhook, Notification, NotificationQuerySet
from linli.places.models import Place, PlaceKind

BADGE_CAP = 99
ROBOT_PLACE_KINDS = [PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.GRID]


def inbox_for(user: Any) -> NotificationQuerySet:
    """The user's notifications, newest first."""
    return Notification.objects.visible_to(user).order_by("-id")


def unread_count(user: Any, *, cap: int = BADGE_CAP + 1) -> int:
    """Unread messages, counted up to ``cap`` (a badge shows "99+"; counting further is waste)."""
    ids = Notification.objects.visible_to(user).unread().values("id")[:cap]
    return Notification.objects.filter(id__in=ids).count()


def webhooks_visible(user: Any) -> QuerySet[NodeWebhook]:
    return NodeWebhook.objects.visible_to(user).select_related("place").order_by("place_path", "id")


def webhooks_hearing(place: Place) -> list[int]:
    """Active robots that hear about ``place``: its own, and its ancestors' that cascade."""
    ancestors = ancestor_paths(place.path, Place.steplen)
    rows = NodeWebhook.objects.filter(active=True, place_path__in=ancestors).values_list("pk", "place_path", "cascade")
    return sorted(pk for pk, path, cascade in rows if cascade or path == place.path)


def robot_places(user: Any) -> QuerySet[Place]:
    """Nodes where the user may attach a robot (manage scope), down to grids."""
    return Place.objects.filter(scope_for(user, "manage").q("path"), kind__in=ROBOT_PLACE_KINDS).order_by("path")
