"""Reads for the interop admin pages: keys, webhook subscribers, the delivery log."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from linli.core.scoping import access
from linli.interop.keys import require_admin
from linli.interop.models import DeliveryStatus, Open311Key, WebhookDelivery, WebhookSubscriber
from linli.places.models import Place, PlaceKind


def keys_for_admin(user: Any) -> QuerySet[Open311Key]:
    require_admin(user)
    return Open311Key.objects.select_related("jurisdiction").annotate(n_requests=Count("requests")).order_by("-id")


def subscribers_visible(user: Any) -> QuerySet[WebhookSubscriber]:
    require_admin(user)
    failed = Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED))
    return WebhookSubscriber.objects.visible_to(user).select_related("place").annotate(n_failed=failed)


def access_subscriber(user: Any, pk: Any) -> WebhookSubscriber:
    require_admin(user)
    row: WebhookSubscriber = access(WebhookSubscriber.objects.select_related("place"), user, pk)
    return row


def deliveries_of(subscriber: WebhookSubscriber) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(subscriber=subscriber)


def streets() -> list[Place]:
    return list(Place.objects.filter(kind=PlaceKind.STREET).order_by("path"))


def subscribable_places() -> list[Place]:
    """Streets and communities: the subtrees a subscription usually covers."""
    kinds = [PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY]
    return list(Place.objects.filter(kind__in=kinds).order_by("path")[:500])
